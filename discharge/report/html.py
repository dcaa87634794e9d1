"""The report as one self-contained HTML page: inline CSS, inline SVG figures, no script, no links out.

Written for a region planner: each indicator in the seed's own words, what it counts, and the figure;
then the tables by month and by VC. Every value is escaped (HSA-ids and codes come from other systems).
"""

from __future__ import annotations

from html import escape
from typing import Any

from discharge.report.indicators import Indicators, share
from workflows.policy import STOCKHOLM

#: The table's columns: (row key, heading). The headings say what is counted, in planners' words.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("group", ""),
    ("discharged", "1 · discharged"),
    ("lmv_enrolled", "2 · enrolled in LMV"),
    ("readmission_share", "3 · readmitted (unplanned, 30 days)"),
    ("readmission_window_open", "3 · still within the 30 days"),
    ("handed_over_within_14_days", "4 · to the VC within 14 days"),
    ("handed_over_after_14_days", "4 · to the VC after 14 days"),
    ("first_contact_median_hours", "5 · first LMV contact, median hours"),
    ("first_contact_within_24h", "5 · first LMV contact within 24 h"),
    ("inpatient_days_median", "5 · inpatient days, median"),
    ("vc_physician_visits", "6 · VC physician contacts"),
    ("experience_mean_score", "7 · experience, mean score (1–5)"),
    ("experience_reports", "7 · answers"),
)

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2731;background:#f6f8fa}
main{max-width:1180px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:26px;margin:0 0 4px} h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #d0d7de}
.sub{color:#57606a;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 14px}
.card .n{font-size:24px;font-weight:600} .card .what{font-size:13px;color:#57606a}
.card .k{font-size:12px;color:#1f6fb2;font-weight:600;text-transform:uppercase;letter-spacing:.04em}
figure{background:#fff;border:1px solid #d0d7de;border-radius:8px;margin:12px 0;padding:8px 12px}
figure svg{max-width:100%;height:auto} figcaption{font-size:13px;color:#57606a;margin-top:4px}
table{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:right} th{background:#eef2f6;font-weight:600}
td:first-child,th:first-child{text-align:left;white-space:nowrap}
.note{font-size:13px;color:#57606a}
.empty{background:#fff8c5;border:1px solid #d4a72c;padding:12px;border-radius:8px}
"""


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    return escape(str(value))


def table(rows: list[dict[str, Any]], first_heading: str) -> str:
    head = "".join(f"<th>{escape(heading or first_heading)}</th>" for _, heading in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(row[key])}</td>" for key, _ in COLUMNS) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cards(ind: Indicators) -> str:
    t = ind.total.row()
    handed = t["handed_over_within_14_days"] + t["handed_over_after_14_days"]
    score = t["experience_mean_score"]
    cards = [
        ("1", str(t["discharged"]), "patients discharged from inpatient care"),
        ("2", share(t["lmv_enrolled"], t["discharged"]), "enrolled in LMV (physician support at home)"),
        (
            "3",
            share(t["readmitted"], t["discharged"]),
            f"readmitted unplanned within 30 days; {t['readmission_window_open']} still within the 30 days",
        ),
        (
            "4",
            share(t["handed_over_within_14_days"], handed),
            f"handed over from LMV to the VC within 14 days ({t['handed_over_after_14_days']} after)",
        ),
        (
            "5",
            "–" if t["first_contact_median_hours"] is None else f"{t['first_contact_median_hours']} h",
            f"median time to first LMV physician contact; within 24 h: {t['first_contact_within_24h']}",
        ),
        (
            "5",
            "–" if t["inpatient_days_median"] is None else f"{t['inpatient_days_median']} days",
            f"median inpatient days before discharge ({t['inpatient_days_patients']} patients)",
        ),
        ("6", str(t["vc_physician_visits"]), "VC physician contacts with these patients"),
        (
            "7",
            "–" if score is None else f"{score} of 5",
            f"the patients' own experience, mean score ({t['experience_reports']} answers)",
        ),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="k">indicator {k}</div><div class="n">{escape(n)}</div>'
            f'<div class="what">{escape(what)}</div></div>'
            for k, n, what in cards
        )
        + "</div>"
    )


SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "discharges",
        "Discharges and LMV enrolments (indicators 1 and 2)",
        "Every patient discharged in the month, and how many of them LMV supported at home (high risk, or "
        "enrolled by an individual decision).",
    ),
    (
        "readmissions",
        "Unplanned readmissions (indicator 3)",
        "The share of each month's discharged patients who were admitted again, unplanned, within 30 days of "
        "discharge, with the counts. Patients still within their 30 days may still be readmitted: the "
        "latest months can rise.",
    ),
    (
        "first_contact",
        "Time to the first LMV physician contact (indicator 5)",
        "Hours from discharge to LMV's first physician contact (visit, phone or video); "
        "the target is 24 hours.",
    ),
    (
        "handovers",
        "Handed over from LMV to the VC (indicator 4)",
        "Patients whose care passed from LMV to their listed VC within the 14-day support period, and after "
        "it (the support was extended).",
    ),
    (
        "vc_visits",
        "VC physician contacts (indicator 6)",
        "Physician contacts by the patients' VC after discharge, counted by the month of discharge.",
    ),
    (
        "experience",
        "The patients' own experience (indicator 7)",
        "Answers to the experience question, collected by LMV or the VC "
        "(scores only; comments are not kept).",
    ),
)


def render(ind: Indicators, figures: dict[str, str], *, title: str) -> str:
    period = f"{ind.period_from or 'the first discharge'} to {ind.period_to or 'today'}"
    produced = ind.generated_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">Patients discharged from {escape(str(period))} · produced {escape(produced)} '
        "(Swedish time) from the discharge orchestrator's read model · "
        "no patient identities in this report</p>",
        _cards(ind),
    ]
    if not figures:
        parts.append('<p class="empty">No patient was discharged in this period: nothing to count yet.</p>')
    for key, heading, explanation in SECTIONS:
        if key in figures:
            parts.append(
                f"<h2>{escape(heading)}</h2><figure>{figures[key]}"
                f"<figcaption>{escape(explanation)}</figcaption></figure>"
            )
    parts.append("<h2>By month of discharge</h2>")
    parts.append(table([g.row() for g in ind.by_month], "month"))
    parts.append("<h2>By listed vårdcentral</h2>")
    parts.append(table([g.row() for g in ind.by_vc], "vårdcentral (HSA-id)"))
    if ind.escalations:
        rows = "".join(f"<tr><td>{escape(r)}</td><td>{n}</td></tr>" for r, n in ind.escalations.items())
        parts.append(
            "<h2>Escalations by reason</h2><table><thead><tr><th>reason</th><th>escalations</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
    if ind.deliveries:
        rows = "".join(
            f"<tr><td>{escape(d['receiver'])}</td><td>{d['deliveries']}</td><td>{d['received']}</td>"
            f"<td>{escape(d['share_within_15_minutes'])}</td></tr>"
            for d in ind.deliveries
        )
        parts.append(
            "<h2>Deliveries received within 15 minutes, per receiver</h2><table><thead><tr><th>receiver "
            "(HSA-id)</th><th>deliveries with an outcome</th><th>received</th><th>received within 15 "
            f"minutes</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    parts.append(
        '<p class="note">How each figure is computed: docs/indicators.md. '
        "A share of fewer than 10 patients is shown as counts only. Pathways not yet discharged: "
        f"{ind.not_yet_discharged}. The same figures are in indicators_by_month.csv, "
        "indicators_by_vardcentral.csv and indicators.json beside this file.</p>"
    )
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>\n{body}\n</main></body></html>\n"
    )
