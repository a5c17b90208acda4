"""scoring is a pure scikit-learn library: no web framework, no app."""
from __future__ import annotations

import subprocess
import sys


def test_importing_scoring_pulls_in_neither_flask_nor_the_app():
    code = ("import sys, scoring; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'reviewapp'}); "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
