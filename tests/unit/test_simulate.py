"""The capacity simulation: the pathway's own rules, day by day, reproducible with a seed."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from discharge.cli.main import main
from discharge.simulate.engine import run_pathway, simulation_policy
from discharge.simulate.params import SimulationParams
from discharge.simulate.patients import patient_script
from discharge.simulate.results import aggregate
from discharge.simulate.run import simulate

SMALL = SimulationParams(days=42, discharges_per_day=6, high_risk_share=0.3, warm_up_days=21, workers=1)


def census(params: SimulationParams) -> list[int]:
    policy = simulation_policy(params)
    return [int(n) for n in aggregate(params, policy, simulate(params, policy)).census]


def test_the_same_seed_gives_the_same_figures_whatever_the_number_of_processes() -> None:
    one = census(SMALL)
    assert census(SMALL) == one
    assert census(SimulationParams(**{**SMALL.__dict__, "workers": 2})) == one
    assert census(SimulationParams(**{**SMALL.__dict__, "seed": 2})) != one


def test_a_shorter_support_period_lowers_the_lmv_census() -> None:
    """The support period goes through the workflow's own policy arithmetic (add_local)."""
    fourteen = census(SMALL)[SMALL.warm_up_days :]
    seven = census(SimulationParams(**{**SMALL.__dict__, "support_days": 7}))[SMALL.warm_up_days :]
    assert sum(seven) < 0.75 * sum(fourteen)


def test_a_high_risk_patient_is_counted_in_the_census_while_in_lmv_support() -> None:
    params = SimulationParams(
        days=40,
        discharges_per_day=1,
        high_risk_share=1.0,
        extension_rate=0.0,
        readmission_rate=0.0,
        workers=1,
        warm_up_days=0,
        start=date(2027, 3, 1),
    )
    policy = simulation_policy(params)
    trace = run_pathway("pk_x", patient_script(0, 0, params, policy), policy)
    assert [phase for _, phase in trace.phases][:3] == ["inpatient", "joint_planning", "lmv_support"]
    result = aggregate(params, policy, simulate(SimulationParams(**{**params.__dict__, "days": 1}), policy))
    # Discharged on day 0 in the daytime: in support at noon from day 1 until the handover decision.
    assert int(result.census[0]) in (0, 1) and int(result.census[5]) == 1
    assert int(result.census[39]) == 0


def test_discharge_simulate_prints_the_census_and_writes_csv_and_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(
            [
                "simulate",
                "--days",
                "35",
                "--discharges-per-day",
                "5",
                "--seed",
                "7",
                "--workers",
                "1",
                "--out",
                str(tmp_path),
            ]
        )
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "LMV census, peak" in out and "95th percentile" in out
    rows = list(csv.DictReader((tmp_path / "census_per_day.csv").open()))
    assert len(rows) == 35 and rows[0]["date"] == "2027-01-04"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["lmv_census"]["peak"] >= summary["lmv_census"]["p95"] > 0
    assert (tmp_path / "simulation.png").stat().st_size > 10_000
    assert (tmp_path / "per_week.csv").exists() and (tmp_path / "escalations.csv").exists()
    by_hour = list(csv.DictReader((tmp_path / "escalations_by_hour_of_week.csv").open()))
    assert len(by_hour) == 7 * 24 and (by_hour[0]["day"], by_hour[0]["hour"]) == ("Mon", "00")
    assert sum(int(row["escalations"]) for row in by_hour) == sum(summary["escalations_by_reason"].values())
    assert summary["escalations_by_hour_of_week"] == [int(row["escalations"]) for row in by_hour]


def test_the_year_reports_escalations_by_hour_of_the_week_on_the_regions_calendar() -> None:
    params = SimulationParams(days=28, discharges_per_day=20, concerns_per_patient=1.0, workers=1)
    policy = simulation_policy(params)
    result = aggregate(params, policy, simulate(params, policy))
    concerns = result.escalations["municipal_concern"]
    # Concerns come at any hour: those at night, at weekends and on holidays went to the beredskapsjour.
    assert 0 < result.routed_to_oncall < concerns
    night = [result.by_hour[day * 24 + 3].get("municipal_concern", 0) for day in range(7)]
    assert sum(night) > 0
    # No handover escalation (nor its reminder) falls when the vårdcentral is closed: they are in its working
    # time, and fall at the latest as it closes at 17:00.
    for hour, counts in enumerate(result.by_hour):
        weekend, clock = hour // 24 >= 5, hour % 24
        if weekend or not 8 <= clock <= 17:
            assert counts.get("handover_not_accepted", 0) == 0, hour
