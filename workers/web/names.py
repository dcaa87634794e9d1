"""Units and people by name on the pages (from the unit directory), the HSA-id beside them in small type.

In a table a unit is its name, with the HSA-id as the hover title and for assistive technology as a
visually hidden suffix, so nobody has to hover; on a patient's page the HSA-id is shown in small type.
An HSA-id the directory does not know is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from discharge.units import UnitDirectory

#: How senders name a person on an actor line (``urn:hsa:SE…``).
URN_PREFIX = "urn:hsa:"


def unit_html(directory: UnitDirectory, hsa_id: str, *, full: bool = False) -> Markup:
    unit = directory.get(hsa_id)
    if unit is None:
        return Markup('<span class="mono">{}</span>').format(hsa_id)
    if full:
        return Markup('{} <small class="hsa">{}</small>').format(unit.name, hsa_id)
    return Markup(
        '<span class="unit" title="{id}">{name}<span class="visually-hidden"> ({id})</span></span>'
    ).format(id=hsa_id, name=unit.name)


def person_text(directory: UnitDirectory, who: str | None) -> str:
    """A person's (or a sending system's) name where the directory knows the HSA-id, else as written."""
    if not who:
        return "–"
    hsa_id = who.removeprefix(URN_PREFIX)
    unit = directory.get(hsa_id)
    return unit.name if unit is not None else who


def filters(directory: UnitDirectory) -> dict[str, Callable[..., object]]:
    return {
        "unit": lambda hsa_id, full=False: unit_html(directory, hsa_id, full=full),
        "unit_name": directory.name,
        "person": lambda who: escape(person_text(directory, who)),
    }
