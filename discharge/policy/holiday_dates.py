"""The region's closed days from the maintained ``holidays`` library: Swedish public holidays, and those
eves (julafton, nyårsafton, midsommarafton) the region's policy keeps as holidays too.

The library lists public holidays in its ``public`` category and the eves in ``de_facto`` (julafton,
nyårsafton, midsommarafton) and ``optional`` (påskafton, pingstafton, half days): a policy names which eves
it keeps, by the library's Swedish names. Sundays, which the library counts as holidays by default, are
weekends here.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays

_EVE_CATEGORIES = ("de_facto", "optional")


def _sweden(years: range, categories: tuple[str, ...]) -> dict[date, set[str]]:
    found = holidays.country_holidays(
        "SE", years=list(years), language="sv", include_sundays=False, categories=categories
    )
    return {day: {part.strip() for part in str(name).split(";")} for day, name in found.items()}


@cache
def eve_names() -> frozenset[str]:
    """Every eve the library names for Sweden (e.g. Julafton), over a few years to see them all."""
    return frozenset(name for names in _sweden(range(2024, 2030), _EVE_CATEGORIES).values() for name in names)


def closed_days(years: range, eves: tuple[str, ...]) -> tuple[date, ...]:
    """The public holidays of ``years`` and the days of the named ``eves``, sorted."""
    kept = set(_sweden(years, ("public",)))
    kept |= {day for day, names in _sweden(years, _EVE_CATEGORIES).items() if names & set(eves)}
    return tuple(sorted(kept))
