"""The unit directory: HSA-id → name and kind, so pages and the report name units and people.

One CSV file (``DISCHARGE_UNIT_DIRECTORY``) with the header ``hsa_id,name,kind``, one unit or person a
line; ``discharge dev`` uses the demo's (discharge/demo/units.csv). Each line is validated with pydantic
when the settings are read, so a wrong file stops a process at start with the file and line named, not
a page later. An HSA-id missing from the directory is shown as itself.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from events.fields import HsaId

#: What an entry is: a care unit of one of the pathway's parties, or a person (a physician, a coordinator).
UnitKind = Literal["hospital", "ward", "lmv", "vardcentral", "oncall", "coordination", "person"]
COLUMNS = ("hsa_id", "name", "kind")


class UnitDirectoryError(ValueError):
    """The directory file cannot be used; the message names the file and the line."""


class Unit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    hsa_id: HsaId
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    kind: UnitKind


@dataclass(frozen=True)
class UnitDirectory:
    units: dict[str, Unit] = field(default_factory=dict)

    def get(self, hsa_id: str | None) -> Unit | None:
        return self.units.get(hsa_id) if hsa_id else None

    def name(self, hsa_id: str) -> str:
        """The unit's or person's name, or the HSA-id itself when the directory does not know it."""
        unit = self.units.get(hsa_id)
        return unit.name if unit else hsa_id


def _problem(path: Path, line: int, error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "line"
    return f"{path} line {line}: {where}: {first['msg']}"


def parse_unit_directory(path: Path) -> UnitDirectory:
    """Every line validated; the first wrong one is named (file, line number, column, why)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise UnitDirectoryError(f"{path}: cannot read the unit directory: {error.strerror}") from None
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise UnitDirectoryError(f"{path} line 1: the header must be {','.join(COLUMNS)}")
    units: dict[str, Unit] = {}
    first_seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row or any(value is None for value in row.values()):
            raise UnitDirectoryError(f"{path} line {line}: expected 3 columns ({','.join(COLUMNS)})")
        try:
            unit = Unit.model_validate(row)
        except ValidationError as error:
            raise UnitDirectoryError(_problem(path, line, error)) from None
        if unit.hsa_id in units:
            raise UnitDirectoryError(
                f"{path} line {line}: {unit.hsa_id} is already on line {first_seen[unit.hsa_id]}"
            )
        units[unit.hsa_id], first_seen[unit.hsa_id] = unit, line
    return UnitDirectory(units)


@cache
def _cached(path: Path, mtime_ns: int) -> UnitDirectory:
    return parse_unit_directory(path)


def load_unit_directory(path: Path | None) -> UnitDirectory:
    """The directory at ``path`` (read again only when the file changes), or an empty one."""
    if path is None:
        return UnitDirectory()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as error:
        raise UnitDirectoryError(f"{path}: cannot read the unit directory: {error.strerror}") from None
    return _cached(path, mtime)
