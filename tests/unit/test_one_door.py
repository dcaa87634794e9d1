"""One door per name: every import of a project name names the module that defines it (issue 27).

A module that passes on names it imports (a re-export, a package ``__init__`` that gathers its submodules'
names, "kept importable from here") gives a name two doors: readers look for it in the wrong file, and a
light module that re-exports a heavy one drags it onto every importer's path (the CLI's start-up).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("workflows", "activities", "events", "workers", "discharge", "tests", "bench")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_imports(tree: ast.Module) -> list[ast.ImportFrom]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.level == 0
        and node.module is not None
        and node.module.split(".")[0] in PACKAGES
    ]


def _modules() -> dict[str, tuple[Path, ast.Module]]:
    found: dict[str, tuple[Path, ast.Module]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return found


def second_doors(modules: dict[str, tuple[Path, ast.Module]]) -> list[str]:
    """Each ``from m import n`` where ``m`` only imports ``n`` from another project module (``file:line``)."""
    passed_on: dict[str, dict[str, str]] = {}  # module -> {name it imports: the module it comes from}
    for name, (_, tree) in modules.items():
        passed_on[name] = {
            alias.asname or alias.name: node.module or ""
            for node in _project_imports(tree)
            for alias in node.names
            if f"{node.module}.{alias.name}" not in modules  # a submodule is its own door
        }
    doors = []
    for path, tree in modules.values():
        for node in _project_imports(tree):
            for alias in node.names:
                origin = passed_on.get(node.module or "", {}).get(alias.name)
                if origin is not None:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    doors.append(f"{where}: {alias.name} from {node.module}, defined in {origin} (or beyond)")
    return doors


def test_every_project_name_is_imported_from_the_module_that_defines_it() -> None:
    assert second_doors(_modules()) == []


def test_a_name_passed_on_by_another_module_is_found() -> None:
    defining = ast.parse("PHASES = ()\n")
    passing = ast.parse("from workflows.names import PHASES as PHASES\n")
    importer = ast.parse("from workflows.api import PHASES\n")
    modules = {
        "workflows.names": (ROOT / "workflows/names.py", defining),
        "workflows.api": (ROOT / "workflows/api.py", passing),
        "tests.unit.importer": (ROOT / "tests/unit/importer.py", importer),
    }
    assert second_doors(modules) == [
        "tests/unit/importer.py:1: PHASES from workflows.api, defined in workflows.names (or beyond)"
    ]
