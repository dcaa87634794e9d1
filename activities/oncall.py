"""The on-call rota registry: which rota answers consults for a discharging unit.

An embedded synthetic registry (``activities/data/oncall_rota.json``), as the listing registry is; in
production this is the region's rota service. A unit the registry does not know gets its default rota.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _registry() -> dict[str, object]:
    text = resources.files("activities.data").joinpath("oncall_rota.json").read_text("utf-8")
    document: dict[str, object] = json.loads(text)
    return document


def oncall_rota(unit: str | None) -> str:
    """The HSA-id of the on-call rota of ``unit`` (the admitting unit), else the registry's default."""
    registry = _registry()
    units = registry["units"]
    assert isinstance(units, dict)
    return str(units.get(unit, registry["default"]) if unit is not None else registry["default"])


def oncall_registry_units() -> list[str]:
    """Every on-call rota the registry names: each receives consults (`discharge dev` makes their users)."""
    registry = _registry()
    units = registry["units"]
    assert isinstance(units, dict)
    return [str(registry["default"]), *(str(rota) for rota in units.values())]
