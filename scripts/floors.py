"""Print pip constraints that pin every dependency of setup.cfg to the oldest version it admits.

    python scripts/floors.py > floors.txt && pip install -c floors.txt -e '.[test]'

`make test-floors` uses it to prove the floors true: the suite passes on the oldest versions
setup.cfg admits. The oldest admitted version is the lowest release on the package index that
satisfies the requirement (a bound such as fpdf2>=2.8 may name no release: 2.8.1 is the
first); an exact pin (==) is kept; a requirement without a lower bound is an error, since then
no floor is declared at all.
"""
from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

SETUP_CFG = Path(__file__).resolve().parents[1] / "setup.cfg"


def requirements(path: Path = SETUP_CFG) -> list[Requirement]:
    """Return the install and test requirements declared in setup.cfg."""
    config = configparser.ConfigParser()
    config.read(path)
    lines = config["options"]["install_requires"].splitlines()
    lines += config["options.extras_require"]["test"].splitlines()
    return [Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip()]


def released(name: str) -> list[Version]:
    """Return the versions of a package the configured index offers (none if it cannot tell)."""
    result = subprocess.run([sys.executable, "-m", "pip", "index", "versions", name],
                            check=False, capture_output=True, text=True, timeout=120)
    match = re.search(r"Available versions: (.*)", result.stdout)
    versions = []
    for text in (match[1].split(",") if match else []):
        try:
            versions.append(Version(text.strip()))
        except InvalidVersion:
            continue
    return versions


def floor(requirement: Requirement) -> str:
    """Return the constraint pinning one requirement to the oldest release it admits."""
    bounds = [spec.version for spec in requirement.specifier if spec.operator in (">=", "==")]
    if not bounds:
        raise SystemExit(f"{requirement}: no lower bound declared in setup.cfg")
    admitted = [v for v in released(requirement.name)
                if requirement.specifier.contains(v, prereleases=False)]
    return f"{requirement.name}=={min(admitted) if admitted else bounds[0]}"


def main() -> int:
    """Print one constraint per line."""
    for requirement in requirements():
        print(floor(requirement))
    return 0


if __name__ == "__main__":
    sys.exit(main())
