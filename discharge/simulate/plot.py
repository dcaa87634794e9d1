"""The simulation's plot: the LMV census per day with its peak and 95th percentile, and the weekly load."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display needed

import matplotlib.pyplot as plt

from discharge.simulate.results import SimulationResult


def plot(result: SimulationResult, path: Path) -> None:
    p = result.params
    days = [result.day(i) for i in range(len(result.census))]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7.5), gridspec_kw={"height_ratios": [3, 2]})
    top.plot(days, result.census, color="#1f6fb2", linewidth=1.2, label="patients in LMV support (noon)")
    top.plot(
        days,
        result.awaiting_vc,
        color="#e67e22",
        linewidth=0.8,
        alpha=0.8,
        label="handed over, VC not yet accepted",
    )
    top.axhline(result.peak, color="#c0392b", linestyle="--", linewidth=1, label=f"peak {result.peak}")
    top.axhline(
        result.p95, color="#2e8b57", linestyle=":", linewidth=1.2, label=f"95th percentile {result.p95}"
    )
    if p.warm_up_days and len(days) > p.warm_up_days:
        top.axvspan(
            days[0], days[p.warm_up_days], color="#9aa5b1", alpha=0.2, label="warm-up (not in peak/p95)"
        )
    top.set_ylabel("patients")
    highest = max(int(result.census.max(initial=0)), int(result.awaiting_vc.max(initial=0)), 1)
    top.set_ylim(0, highest * 1.4)  # headroom for the legend above the lines
    top.set_title(
        f"LMV census: {result.pathways:,} discharges over {p.days} days, {p.high_risk_share:.0%} high risk, "
        f"{p.support_days}-day support, {p.extension_rate:.0%} extended by {p.extension_days} days"
    )
    top.legend(frameon=False, loc="upper left", fontsize=8, ncols=2)
    top.grid(alpha=0.3)
    weeks = [date.fromisoformat(w["week_starting"]) for w in result.weeks]
    bottom.bar(
        weeks,
        [w["reviews"] for w in result.weeks],
        width=3,
        align="edge",
        color="#6c5ce7",
        label="extension reviews opened",
    )
    lmv_handovers = [w["handovers_from_lmv"] for w in result.weeks]
    bottom.bar(
        weeks, lmv_handovers, width=-3, align="edge", color="#2e8b57", label="handovers from LMV to the VC"
    )
    # LMV's own weekly work; every handover (standard-risk patients too) is in per_week.csv.
    bottom.set_ylim(0, max([*lmv_handovers, *(w["reviews"] for w in result.weeks), 1]) * 1.35)
    bottom.set_ylabel("per week")
    bottom.legend(frameon=False, loc="upper left", fontsize=8)
    bottom.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
