"""The report as one self-contained HTML page: inline CSS, inline SVG figures, no script, no links out.

Written for a region planner: each indicator in the seed's own words, what it counts, and the figure;
then the tables by month and by VC. Every value is escaped (HSA-ids and codes come from other systems).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from discharge.i18n import N_, current_language, gettext as _, local_time, long_date, number
from discharge.report.cards import cards, share, shown
from discharge.report.indicators import Indicators
from discharge.units import UnitDirectory
from discharge.views.words import REASONS, label

#: The table's columns: (row key, heading). The headings say what is counted, in planners' words.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("group", ""),
    ("discharged", N_("1 · discharged")),
    ("lmv_enrolled", N_("2 · enrolled in LMV")),
    ("readmission_share", N_("3 · readmitted (unplanned, 30 days)")),
    ("readmission_window_open", N_("3 · still within the 30 days")),
    ("handed_over_within_14_days", N_("4 · to the vårdcentral within 14 days")),
    ("handed_over_after_14_days", N_("4 · to the vårdcentral after 14 days")),
    ("first_contact_median_hours", N_("5 · first LMV contact, median hours")),
    ("first_contact_within_24h", N_("5 · first LMV contact within 24 h")),
    ("inpatient_days_median", N_("5b · inpatient days, median")),
    ("vc_physician_visits", N_("6 · vårdcentral physician contacts")),
    ("experience_mean_score", N_("7 · experience, mean score (1–5)")),
    ("experience_reports", N_("7 · answers")),
)

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2731;background:#f6f8fa}
main{max-width:1180px;margin:0 auto;padding:24px 32px 48px}
.tablewrap{overflow-x:auto;position:relative;margin:8px 0}
h1{font-size:26px;margin:0 0 4px} h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #d0d7de}
.sub{color:#57606a;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 14px}
.card .n{font-size:24px;font-weight:600} .card .what{font-size:13px;color:#57606a}
.card .k{margin:0;font-size:13px;color:#1f6fb2;font-weight:600}
figure{background:#fff;border:1px solid #d0d7de;border-radius:8px;margin:12px 0;padding:8px 12px}
figure svg{max-width:100%;height:auto} figcaption{font-size:13px;color:#57606a;margin-top:4px}
table{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:right} th{background:#eef2f6;font-weight:600}
td:first-child,th:first-child{text-align:left;white-space:nowrap} .hsa{color:#57606a;font-size:11px}
.note{font-size:13px;color:#57606a}
.empty{background:#fff8c5;border:1px solid #d4a72c;padding:12px;border-radius:8px}
"""


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return escape(number(value))
    return escape(str(value))


def table(rows: list[dict[str, Any]], first_heading: str, name: Callable[[str], str] = escape) -> str:
    """The indicators by group; ``name`` shows a group (a month, or a vårdcentral's name and HSA-id)."""
    headings = [first_heading, *(_(heading) for _key, heading in COLUMNS[1:])]
    head = "".join(f'<th scope="col">{escape(heading)}</th>' for heading in headings)
    body = "".join(
        f'<tr><th scope="row">{name(str(row["group"]))}</th>'
        + "".join(f"<td>{_cell(shown(row, key))}</td>" for key, _h in COLUMNS[1:])
        + "</tr>"
        for row in rows
    )
    return _scrolling(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _scrolling(table_html: str) -> str:
    """A wide table scrolls in its own frame, reachable by keyboard (axe: scrollable-region-focusable)."""
    label = escape(_("Table, scrolls sideways"))
    return f'<div class="tablewrap" tabindex="0" role="region" aria-label="{label}">{table_html}</div>'


SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "discharges",
        N_("Discharges and LMV enrolments (indicators 1 and 2)"),
        N_(
            "Every patient discharged in the month, and how many of them LMV supported at home (high risk, "
            "or enrolled by an individual decision)."
        ),
    ),
    (
        "readmissions",
        N_("Unplanned readmissions (indicator 3)"),
        N_(
            "The share of each month's discharged patients who were admitted again, unplanned, within 30 "
            "days of discharge, with the counts. Patients still within their 30 days may still be "
            "readmitted: the latest months can rise."
        ),
    ),
    (
        "first_contact",
        N_("Time to the first LMV physician contact (indicator 5)"),
        N_(
            "Hours from discharge to LMV's first physician contact (visit, phone or video); the target is "
            "24 hours."
        ),
    ),
    (
        "handovers",
        N_("Handed over from LMV to the vårdcentral (indicator 4)"),
        N_(
            "Patients whose care passed from LMV to their listed vårdcentral within the 14-day support "
            "period, and after it (the support was extended)."
        ),
    ),
    (
        "vc_visits",
        N_("Vårdcentral physician contacts (indicator 6)"),
        N_(
            "Physician contacts by the patients' vårdcentral after discharge, counted by the month of "
            "discharge."
        ),
    ),
    (
        "experience",
        N_("The patients' own experience (indicator 7)"),
        N_(
            "Answers to the experience question, collected by LMV or the vårdcentral (scores only; comments "
            "are not kept)."
        ),
    ),
)


def _heading(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def _unit(directory: UnitDirectory) -> Callable[[str], str]:
    def named(hsa_id: str) -> str:
        unit = directory.get(hsa_id)
        if unit is None:
            return escape(hsa_id)
        return f'{escape(unit.name)} <small class="hsa">{escape(hsa_id)}</small>'

    return named


def render(ind: Indicators, figures: dict[str, str], *, title: str, directory: UnitDirectory) -> str:
    """The page in the current language (discharge/i18n.py), units and receivers by their names."""
    named = _unit(directory)
    period = _("Patients discharged from %(start)s to %(end)s") % {
        "start": long_date(ind.period_from) if ind.period_from else _("the first discharge"),
        "end": long_date(ind.period_to) if ind.period_to else _("today"),
    }
    produced = local_time(ind.generated_at)
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(period)} · '
        + escape(
            _("produced %(when)s (Swedish time) from the read model · no patient identities in this report")
            % {"when": produced}
        )
        + "</p>",
        cards(ind),
    ]
    if not figures:
        nothing = _("No patient was discharged in this period: nothing to count yet.")
        parts.append(f'<p class="empty">{escape(nothing)}</p>')
    for key, heading, explanation in SECTIONS:
        if key in figures:
            parts.append(
                f"<h2>{escape(_(heading))}</h2><figure>{figures[key]}"
                f"<figcaption>{escape(_(explanation))}</figcaption></figure>"
            )
    parts.append(_heading(_("By month of discharge")))
    parts.append(table([g.row() for g in ind.by_month], _("month")))
    parts.append(_heading(_("By listed vårdcentral")))
    parts.append(table([g.row() for g in ind.by_vc], _("vårdcentral"), named))
    if ind.escalations:
        rows = "".join(
            f'<tr><th scope="row">{escape(label(REASONS, r))} <small class="hsa">{escape(r)}</small></th>'
            f"<td>{n}</td></tr>"
            for r, n in ind.escalations.items()
        )
        parts.append(
            _heading(_("Escalations by reason"))
            + _scrolling(
                "<table><thead><tr>"
                + "".join(f'<th scope="col">{escape(h)}</th>' for h in (_("reason"), _("escalations")))
                + f"</tr></thead><tbody>{rows}</tbody></table>"
            )
        )
    if ind.deliveries:
        rows = "".join(
            f'<tr><th scope="row">{named(d["receiver"])}</th>'
            f"<td>{d['deliveries']}</td><td>{d['received']}</td>"
            f"<td>{escape(share(d['received_within_15_minutes'], d['deliveries']))}</td></tr>"
            for d in ind.deliveries
        )
        headings = (
            _("receiver"),
            _("deliveries with an outcome"),
            _("received"),
            _("received within 15 minutes"),
        )
        parts.append(
            _heading(_("Deliveries received within 15 minutes, per receiver"))
            + _scrolling(
                "<table><thead><tr>"
                + "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
                + f"</tr></thead><tbody>{rows}</tbody></table>"
            )
        )
    parts.append(
        '<p class="note">'
        + escape(
            _(
                "How each figure is computed: docs/indicators.md. A share of fewer than 10 patients is shown "
                "as counts only. Pathways not yet discharged: %(waiting)s. The same figures are in "
                "indicators_by_month.csv, indicators_by_vardcentral.csv and indicators.json beside this file."
            )
            % {"waiting": ind.not_yet_discharged}
        )
        + "</p>"
    )
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="{current_language()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>\n{body}\n</main></body></html>\n"
    )
