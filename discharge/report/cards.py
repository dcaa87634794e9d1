"""The report's words for its figures: one card per indicator, and a share, in the reader's language.

Each card is titled with seed 003's own name for the indicator (the seed numbers two indicators 5; the
second is shown as 5b, so that each appears once). The CSV and JSON keep ``indicators.share``'s words: they
are data, the same in every language.
"""

from __future__ import annotations

from html import escape
from typing import Any

from discharge.i18n import gettext as _, number
from discharge.report.indicators import SMALL, Indicators


def share(part: int, whole: int) -> str:
    """The page's words for a share (the CSV and JSON keep indicators.share's, a data format's)."""
    if whole == 0:
        return _("none")
    if whole < SMALL:
        return _("%(part)s of %(whole)s") % {"part": part, "whole": whole}
    return _("%(part)s of %(whole)s (%(percent)s %%)") % {
        "part": part,
        "whole": whole,
        "percent": round(100 * part / whole),
    }


def shown(row: dict[str, Any], key: str) -> Any:
    """A row's value as the page shows it: its share in the page's words, a number as numbers are written."""
    if key == "readmission_share":
        return share(row["readmitted"], row["discharged"])
    if key == "first_contact_within_24h":
        return share(row["first_contact_within_24h_count"], row["first_contact_patients"])
    return row[key]


def cards(ind: Indicators) -> str:
    """One card per indicator, named as the region names it (seed 003 numbers two of them 5: 5 and 5b)."""
    t = ind.total.row()
    handed = t["handed_over_within_14_days"] + t["handed_over_after_14_days"]
    score = t["experience_mean_score"]
    hours, days = t["first_contact_median_hours"], t["inpatient_days_median"]
    cards = [
        ("1", _("Discharged from inpatient care"), str(t["discharged"]), _("patients discharged")),
        (
            "2",
            _("Enrolled in LMV"),
            share(t["lmv_enrolled"], t["discharged"]),
            _("enrolled in LMV (physician support at home)"),
        ),
        (
            "3",
            _("Unplanned readmissions"),
            share(t["readmitted"], t["discharged"]),
            _("readmitted unplanned within 30 days; %(open)s still within the 30 days")
            % {"open": t["readmission_window_open"]},
        ),
        (
            "4",
            _("From LMV to the vårdcentral within 14 days"),
            share(t["handed_over_within_14_days"], handed),
            _("handed over within 14 days (%(after)s after)") % {"after": t["handed_over_after_14_days"]},
        ),
        (
            "5",
            _("Time to the first LMV physician contact"),
            "–" if hours is None else _("%(hours)s h") % {"hours": number(hours)},
            _("median; within 24 h: %(within)s") % {"within": shown(t, "first_contact_within_24h")},
        ),
        (
            "5b",
            _("Inpatient days"),
            "–" if days is None else _("%(days)s days") % {"days": number(days)},
            _("median inpatient days before discharge (%(count)s patients)")
            % {"count": t["inpatient_days_patients"]},
        ),
        (
            "6",
            _("Vårdcentral physician contacts"),
            str(t["vc_physician_visits"]),
            _("physician contacts by the vårdcentral with these patients"),
        ),
        (
            "7",
            _("The patients' experience"),
            "–" if score is None else _("%(score)s of 5") % {"score": number(score)},
            _("mean score (%(count)s answers)") % {"count": t["experience_reports"]},
        ),
    ]
    indicator = _("Indicator %(number)s")
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><h2 class="k">{escape(indicator % {"number": k})} · {escape(title)}</h2>'
            f'<div class="n">{escape(n)}</div><div class="what">{escape(what)}</div></div>'
            for k, title, n, what in cards
        )
        + "</div>"
    )
