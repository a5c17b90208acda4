"""Print pip constraints that pin every dependency of setup.cfg to its declared lower bound.

    python scripts/floors.py > floors.txt && pip install -c floors.txt -e '.[test]'

`make test-floors` uses it to prove the floors true: the suite passes on the oldest versions
setup.cfg admits. An exact pin (==) is kept; a requirement without a lower bound is an error,
since then no floor is declared at all.
"""
from __future__ import annotations

import configparser
import sys
from pathlib import Path

from packaging.requirements import Requirement

SETUP_CFG = Path(__file__).resolve().parents[1] / "setup.cfg"


def requirements(path: Path = SETUP_CFG) -> list[Requirement]:
    """Return the install and test requirements declared in setup.cfg."""
    config = configparser.ConfigParser()
    config.read(path)
    lines = config["options"]["install_requires"].splitlines()
    lines += config["options.extras_require"]["test"].splitlines()
    return [Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip()]


def floor(requirement: Requirement) -> str:
    """Return the constraint pinning one requirement to its lower bound."""
    bounds = [spec.version for spec in requirement.specifier if spec.operator in (">=", "==")]
    if not bounds:
        raise SystemExit(f"{requirement}: no lower bound declared in setup.cfg")
    return f"{requirement.name}=={bounds[0]}"


def main() -> int:
    """Print one constraint per line."""
    for requirement in requirements():
        print(floor(requirement))
    return 0


if __name__ == "__main__":
    sys.exit(main())
