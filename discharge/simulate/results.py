"""The simulation's figures: LMV census per day, reviews and handovers per week, escalations by reason.

The census of a day is the number of patients in LMV support (``lmv_support`` or ``extension_review``)
at noon, local time. Its peak and 95th percentile leave out the warm-up, the first weeks in which the
simulated LMV starts empty and fills up (``SimulationParams.warm_up_days``).
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from discharge.simulate.params import SimulationParams
from discharge.simulate.run import PathwaySummary
from workflows.policy import Policy

HOURS_PER_WEEK = 7 * 24
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class SimulationResult:
    params: SimulationParams
    policy: Policy
    pathways: int
    lmv_enrolled: int
    readmitted: int
    census: np.ndarray  # patients in LMV support at noon, per simulated day
    awaiting_vc: np.ndarray  # LMV-or-not patients whose handover the VC has not yet accepted, per day
    discharges: np.ndarray  # per day
    enrolments: np.ndarray  # per day
    weeks: list[dict[str, Any]]
    escalations: dict[str, int]
    # Per hour of the week (0: Monday 00-01 local): escalations by reason, and how many were raised while
    # the vårdcentral was closed and how many concerns went to the on-call unit.
    by_hour: list[dict[str, int]] = field(default_factory=lambda: [{} for _ in range(HOURS_PER_WEEK)])
    out_of_hours: int = 0
    routed_to_oncall: int = 0
    elapsed_seconds: float = 0.0

    @property
    def steady(self) -> np.ndarray:
        warm = min(self.params.warm_up_days, max(len(self.census) - 1, 0))
        return self.census[warm:]

    @property
    def peak(self) -> int:
        return int(self.steady.max()) if len(self.steady) else 0

    @property
    def p95(self) -> int:
        # "95 % of days need at most this many places": the nearest-rank percentile, a whole patient.
        return int(np.percentile(self.steady, 95, method="inverted_cdf")) if len(self.steady) else 0

    @property
    def mean(self) -> float:
        return round(float(self.steady.mean()), 1) if len(self.steady) else 0.0

    def day(self, i: int) -> date:
        return self.params.start + timedelta(days=i)

    def summary(self) -> dict[str, Any]:
        return {
            "parameters": {k: str(v) if isinstance(v, date) else v for k, v in asdict(self.params).items()},
            "policy": {
                k: str(v)
                for k, v in self.policy.model_dump().items()
                if k not in ("calendars", "closed_days")  # the policy file's; `discharge policy check`
            },
            "pathways": self.pathways,
            "lmv_enrolled": self.lmv_enrolled,
            "readmitted": self.readmitted,
            "lmv_census": {
                "peak": self.peak,
                "p95": self.p95,
                "mean": self.mean,
                "from_day": self.params.warm_up_days,
            },
            "reviews_per_week_mean": _mean(w["reviews"] for w in self.weeks),
            "handovers_per_week_mean": _mean(w["handovers"] for w in self.weeks),
            "escalations_by_reason": self.escalations,
            "escalations_out_of_office_hours": self.out_of_hours,
            "concerns_routed_to_oncall": self.routed_to_oncall,
            "escalations_by_hour_of_week": [sum(hour.values()) for hour in self.by_hour],
            "elapsed_seconds": round(self.elapsed_seconds, 1),
        }


def _mean(values: Any) -> float:
    items = list(values)
    return round(sum(items) / len(items), 1) if items else 0.0


def _add_intervals(array: np.ndarray, intervals: list[tuple[float, float]]) -> None:
    """+1 on each day whose noon falls in [start, end) (a difference array: one pass per interval)."""
    size = len(array) - 1
    for start, end in intervals:
        first = max(0, math.ceil(start - 0.5))
        last = size if math.isinf(end) else min(size, max(0, math.ceil(end - 0.5)))
        if first < last:
            array[first] += 1
            array[last] -= 1


def aggregate(params: SimulationParams, policy: Policy, summaries: list[PathwaySummary]) -> SimulationResult:
    days = params.days
    census, waiting = np.zeros(days + 1, dtype=np.int64), np.zeros(days + 1, dtype=np.int64)
    discharges, enrolments = np.zeros(days, dtype=np.int64), np.zeros(days, dtype=np.int64)
    week_count = math.ceil(days / 7)
    reviews, handovers, from_lmv = (np.zeros(week_count, dtype=np.int64) for _ in range(3))
    escalations: Counter[str] = Counter()
    for s in summaries:
        discharges[s.discharged_day] += 1
        _add_intervals(census, s.support)
        _add_intervals(waiting, s.awaiting_vc)
        for at, type_, reason in s.events:
            if not 0 <= at < days:
                continue
            week = int(at) // 7
            if type_ == "extension_review_requested":
                reviews[week] += 1
            elif type_ == "handover_completed":
                handovers[week] += 1
                from_lmv[week] += 1 if s.lmv_enrolled else 0
            elif type_ == "escalation_raised":
                escalations[reason or "unknown"] += 1
            elif type_ == "support_started":
                enrolments[int(at)] += 1
    by_hour, out_of_hours, routed = _by_hour(summaries, days)
    weeks = [
        {
            "week_starting": (params.start + timedelta(days=7 * w)).isoformat(),
            "reviews": int(reviews[w]),
            "handovers": int(handovers[w]),
            "handovers_from_lmv": int(from_lmv[w]),
        }
        for w in range(week_count)
    ]
    return SimulationResult(
        params=params,
        policy=policy,
        pathways=len(summaries),
        lmv_enrolled=sum(1 for s in summaries if s.lmv_enrolled),
        readmitted=sum(1 for s in summaries if s.readmitted),
        census=np.cumsum(census)[:days],
        awaiting_vc=np.cumsum(waiting)[:days],
        discharges=discharges,
        enrolments=enrolments,
        weeks=weeks,
        escalations=dict(escalations.most_common()),
        by_hour=by_hour,
        out_of_hours=out_of_hours,
        routed_to_oncall=routed,
    )


def _by_hour(summaries: list[PathwaySummary], days: int) -> tuple[list[dict[str, int]], int, int]:
    """Escalations within the simulated days (as ``escalations``) by hour of the week and reason."""
    hours: list[Counter[str]] = [Counter() for _ in range(HOURS_PER_WEEK)]
    out_of_hours = routed = 0
    for s in summaries:
        for day, hour, reason, closed, to_oncall in s.escalations:
            if not 0 <= day < days:
                continue
            hours[hour][reason] += 1
            out_of_hours += closed
            routed += to_oncall
    return [dict(sorted(hour.items())) for hour in hours], out_of_hours, routed


def write_outputs(result: SimulationResult, out: Path) -> list[Path]:
    from discharge.simulate.plot import plot  # matplotlib only when files are written

    out.mkdir(parents=True, exist_ok=True)
    census = out / "census_per_day.csv"
    with census.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(
            ["date", "lmv_census", "awaiting_vc_acceptance", "discharges", "lmv_enrolments", "warm_up"]
        )
        for i in range(len(result.census)):
            writer.writerow(
                [
                    result.day(i).isoformat(),
                    int(result.census[i]),
                    int(result.awaiting_vc[i]),
                    int(result.discharges[i]),
                    int(result.enrolments[i]),
                    i < result.params.warm_up_days,
                ]
            )
    weekly = out / "per_week.csv"
    with weekly.open("w", newline="", encoding="utf-8") as f:
        rows = csv.DictWriter(
            f, fieldnames=list(result.weeks[0]) if result.weeks else ["week_starting"], lineterminator="\n"
        )
        rows.writeheader()
        rows.writerows(result.weeks)
    escalations = out / "escalations.csv"
    with escalations.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["reason", "escalations"])
        writer.writerows(result.escalations.items())
    by_hour = out / "escalations_by_hour_of_week.csv"
    reasons = sorted({reason for hour in result.by_hour for reason in hour})
    with by_hour.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["day", "hour", "escalations", *reasons])
        for n, hour in enumerate(result.by_hour):
            counts = [hour.get(reason, 0) for reason in reasons]
            writer.writerow([WEEKDAYS[n // 24], f"{n % 24:02d}", sum(counts), *counts])
    summary = out / "summary.json"
    summary.write_text(json.dumps(result.summary(), indent=2) + "\n", encoding="utf-8")
    figure = out / "simulation.png"
    plot(result, figure)
    return [census, weekly, escalations, by_hour, summary, figure]
