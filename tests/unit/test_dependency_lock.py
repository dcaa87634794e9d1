"""requirements.lock pins every dependency of pyproject.toml (the dev extras too), each with its hashes.

A dependency added to pyproject.toml without `make lock` would be missing from every install (`make`
installs the lock with ``--no-deps`` for the project itself): this says which, and the command to run.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def _pins() -> dict[str, list[str]]:
    """Each pinned package with the lines of its entry (its hashes follow it)."""
    entries: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := _PIN.match(line):
            current = entries.setdefault(canonicalize_name(match.group(1)), [])
        elif line.startswith("    --hash=sha256:"):
            current.append(line)
    return entries


def test_every_dependency_of_pyproject_is_pinned_in_the_lock_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [
        *project["dependencies"],
        *(d for extra in project["optional-dependencies"].values() for d in extra),
    ]
    pins = _pins()
    missing = sorted({canonicalize_name(Requirement(dep).name) for dep in wanted} - set(pins))
    assert missing == [], f"not in requirements.lock: {missing}; run `make lock`"
    assert all(pins.values()), "every pinned package carries its hashes"
    assert len(pins) >= len(wanted)
