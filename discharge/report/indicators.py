"""The seven indicators of seed 003 ("Planerad uppföljning"), computed from the read model's rows.

The cohort is the pathways *discharged* in the period: each indicator follows those patients
("följa flödet"), so a month's readmissions are the readmissions of that month's discharges, even
when they happen in the next month. Groups: by calendar month (Europe/Stockholm) and by listed VC.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from discharge.report.deliveries import received_within
from workflows.policy import STOCKHOLM

#: The first LMV physician contact is due within this long of discharge (DISCHARGE_FIRST_CONTACT_TARGET).
FIRST_CONTACT_TARGET_HOURS = 24.0
#: Below this many patients a share is shown as counts only ("1 of 3"), never as a bare percentage.
SMALL = 10


def share(part: int, whole: int) -> str:
    """ "3 of 40 (8 %)"; "1 of 3" when the whole is small; "none" when there is nothing to count."""
    if whole == 0:
        return "none"
    if whole < SMALL:
        return f"{part} of {whole}"
    return f"{part} of {whole} ({round(100 * part / whole)} %)"


@dataclass
class Group:
    """The indicators of one month or one VC."""

    name: str
    discharged: int = 0  # 1
    lmv_enrolled: int = 0  # 2
    readmitted: int = 0  # 3
    readmission_window_open: int = 0  # 3: still within the window, so the share may still grow
    handed_over_within_period: int = 0  # 4
    handed_over_after_period: int = 0  # 4
    contact_hours: list[float] = field(default_factory=list)  # 5
    inpatient_days: list[int] = field(default_factory=list)  # 5
    vc_physician_visits: int = 0  # 6
    reimbursable_visits: int = 0  # 6
    experience_scores: list[int] = field(default_factory=list)  # 7

    def row(self) -> dict[str, Any]:
        """The group as one flat row (CSV, JSON, the HTML table)."""
        contact, days, scores = self.contact_hours, self.inpatient_days, self.experience_scores
        within_target = sum(1 for h in contact if h <= FIRST_CONTACT_TARGET_HOURS)
        return {
            "group": self.name,
            "discharged": self.discharged,
            "lmv_enrolled": self.lmv_enrolled,
            "readmitted": self.readmitted,
            "readmission_share": share(self.readmitted, self.discharged),
            "readmission_window_open": self.readmission_window_open,
            "handed_over_within_14_days": self.handed_over_within_period,
            "handed_over_after_14_days": self.handed_over_after_period,
            "first_contact_patients": len(contact),
            "first_contact_median_hours": _median(contact),
            "first_contact_within_24h": share(within_target, len(contact)),
            "first_contact_within_24h_count": within_target,
            "inpatient_days_patients": len(days),
            "inpatient_days_median": _median(days),
            "inpatient_days_mean": round(statistics.fmean(days), 1) if days else None,
            "vc_physician_visits": self.vc_physician_visits,
            "reimbursable_vc_home_visits": self.reimbursable_visits,
            "experience_reports": len(scores),
            "experience_mean_score": round(statistics.fmean(scores), 1) if scores else None,
        }


def _median(values: list[float] | list[int]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


@dataclass
class Indicators:
    period_from: date | None
    period_to: date | None
    generated_at: datetime
    total: Group
    by_month: list[Group]
    by_vc: list[Group]
    escalations: dict[str, int]
    experience_distribution: dict[int, int]
    not_yet_discharged: int
    #: Per receiver: the share of deliveries received within 15 minutes (discharge/report/deliveries.py).
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": {"from": _iso(self.period_from), "to": _iso(self.period_to)},
            "generated_at": self.generated_at.isoformat(),
            "total": self.total.row(),
            "by_month": [g.row() for g in self.by_month],
            "by_vardcentral": [g.row() for g in self.by_vc],
            "escalations_by_reason": self.escalations,
            "experience_score_distribution": {str(k): v for k, v in self.experience_distribution.items()},
            "pathways_not_yet_discharged": self.not_yet_discharged,
            "deliveries_received_within_15_minutes_by_receiver": self.deliveries,
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def month_of(at: datetime) -> str:
    return at.astimezone(STOCKHOLM).strftime("%Y-%m")


def compute(
    pathways: Iterable[dict[str, Any]],
    escalations: Iterable[dict[str, Any]],
    experiences: Iterable[dict[str, Any]],
    *,
    period_from: date | None,
    period_to: date | None,
    now: datetime,
    readmission_window: timedelta = timedelta(days=30),
    deliveries: Iterable[dict[str, Any]] = (),
) -> Indicators:
    """Every indicator for the pathways discharged from ``period_from`` to ``period_to`` (inclusive)."""
    scores: dict[str, list[int]] = defaultdict(list)
    for report in experiences:
        scores[report["pathway_key"]].append(int(report["score"]))
    total = Group("all")
    months: dict[str, Group] = {}
    vcs: dict[str, Group] = {}
    cohort: set[str] = set()
    waiting = 0
    for p in pathways:
        discharged = p.get("discharged_at")
        if discharged is None:
            waiting += 1 if p.get("outcome") is None else 0
            continue
        local = discharged.astimezone(STOCKHOLM).date()
        if (period_from and local < period_from) or (period_to and local > period_to):
            continue
        cohort.add(p["pathway_key"])
        month = months.setdefault(month_of(discharged), Group(month_of(discharged)))
        vc_name = p.get("listed_vardcentral") or "unknown"
        vc = vcs.setdefault(vc_name, Group(vc_name))
        for group in (total, month, vc):
            _count(group, p, scores.get(p["pathway_key"], []), now, readmission_window)
    # Problems, not repeats: a reason raised again in the same pathway (a daily reminder) is one problem.
    problems = {(e["pathway_key"], e["reason"]) for e in escalations if e["pathway_key"] in cohort}
    reasons: dict[str, int] = defaultdict(int)
    for _, reason in problems:
        reasons[reason] += 1
    distribution = {score: 0 for score in range(1, 6)}
    for score in total.experience_scores:
        distribution[score] += 1
    return Indicators(
        period_from=period_from,
        period_to=period_to,
        generated_at=now,
        total=total,
        by_month=[months[k] for k in sorted(months)],
        by_vc=sorted(vcs.values(), key=lambda g: (-g.discharged, g.name)),
        escalations=dict(sorted(reasons.items(), key=lambda item: -item[1])),
        experience_distribution=distribution,
        not_yet_discharged=waiting,
        deliveries=[
            {**row, "share_within_15_minutes": share(row["received_within_15_minutes"], row["deliveries"])}
            for row in received_within(deliveries, cohort)
        ],
    )


def _count(g: Group, p: dict[str, Any], scores: list[int], now: datetime, window: timedelta) -> None:
    g.discharged += 1
    g.lmv_enrolled += 1 if p.get("lmv_enrolled") else 0
    if p.get("readmitted"):
        g.readmitted += 1
    elif p.get("outcome") is None and p["discharged_at"] + window > now:
        g.readmission_window_open += 1
    if p.get("handover_within_period") is True and p.get("lmv_enrolled"):
        g.handed_over_within_period += 1
    elif p.get("handover_within_period") is False and p.get("lmv_enrolled"):
        g.handed_over_after_period += 1
    if p.get("hours_to_first_lmv_contact") is not None:
        g.contact_hours.append(float(p["hours_to_first_lmv_contact"]))
    if p.get("inpatient_days") is not None:
        g.inpatient_days.append(int(p["inpatient_days"]))
    g.vc_physician_visits += int(p.get("vc_physician_visits") or 0)
    g.reimbursable_visits += int(p.get("reimbursable_visits") or 0)
    g.experience_scores.extend(scores)
