"""The follow-up report: the seven indicators from the read model, one self-contained HTML page, CSV, JSON."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import discharge.policy
from discharge.cli.main import main
from discharge.readmodel.store import ReadModel
from discharge.report.build import FILES, build_report, write_report
from discharge.report.indicators import share
from discharge.simulate.engine import Trace, run_pathway, simulation_policy
from discharge.simulate.params import SimulationParams
from discharge.simulate.patients import patient_script
from tests.readmodel_support import cloudevents, open_store, trace_where, types

NOW = datetime(2027, 6, 1, tzinfo=UTC)
PARAMS = SimulationParams(start=date(2027, 1, 25), high_risk_share=0.5)


def traces(count: int) -> list[Trace]:
    policy = simulation_policy(PARAMS)
    return [
        run_pathway(f"pk_{i:032x}", patient_script(i, i % 14, PARAMS, policy), policy) for i in range(count)
    ]


@pytest.fixture
def store(tmp_path: Path) -> ReadModel:
    return ReadModel(f"sqlite:///{tmp_path / 'readmodel.db'}").create()


def test_a_share_of_few_patients_is_shown_as_counts_not_as_a_bare_percentage() -> None:
    assert share(1, 3) == "1 of 3"
    assert share(0, 9) == "0 of 9"
    assert share(12, 140) == "12 of 140 (9 %)"
    assert share(0, 0) == "none"


def test_the_indicators_count_each_discharged_patient_by_month_of_discharge(store: ReadModel) -> None:
    patients = traces(40)
    store.apply([e for t in patients for e in cloudevents(t)])
    ind = build_report(store, now=NOW).indicators
    assert ind.total.discharged == 40
    assert ind.total.lmv_enrolled == sum(1 for t in patients if "support_started" in types(t))
    assert ind.total.readmitted == sum(1 for t in patients if t.readmitted)
    assert [g.name for g in ind.by_month] == ["2027-01", "2027-02"]  # discharged 25 Jan - 7 Feb
    assert sum(g.discharged for g in ind.by_month) == sum(g.discharged for g in ind.by_vc) == 40
    # Problems, not repeats: a reason raised again for the same patient (a daily reminder) counts once.
    problems = {
        (t.patient_key, d["reason"])
        for t in patients
        for _, kind, d in t.outbound
        if kind == "escalation_raised"
    }
    raisings = sum(1 for t in patients for kind in types(t) if kind == "escalation_raised")
    assert sum(ind.escalations.values()) == len(problems) < raisings


def test_the_period_selects_patients_by_their_day_of_discharge(store: ReadModel) -> None:
    store.apply([e for t in traces(28) for e in cloudevents(t)])
    february = build_report(store, period_from=date(2027, 2, 1), period_to=date(2027, 2, 28), now=NOW)
    assert [g.name for g in february.indicators.by_month] == ["2027-02"]
    assert february.indicators.total.discharged == 2 * 7  # days 7-13 of the fortnight, twice


def test_the_report_is_one_self_contained_page_with_csv_and_json_beside_it(
    store: ReadModel, tmp_path: Path
) -> None:
    store.apply([e for t in traces(6) for e in cloudevents(t)])
    report = build_report(store, now=NOW)
    written = write_report(report, tmp_path / "out")
    assert [p.name for p in written] == list(FILES)
    page = (tmp_path / "out" / "report.html").read_text()
    assert page.count("<svg") == 6  # every figure inline
    assert not re.search(r"<script|<link|<img|src=\"http|href=\"http", page)  # nothing loaded from outside
    assert "av 6" in page  # a small cohort: counts, never a bare percentage (in Swedish, the default)
    assert "%)" not in page.split("<h2>")[0]  # no percentage at all in the headline cards for 6 patients
    by_month = list(csv.DictReader((tmp_path / "out" / "indicators_by_month.csv").open()))
    assert by_month[-1]["group"] == "all" and by_month[-1]["discharged"] == "6"
    document = json.loads((tmp_path / "out" / "indicators.json").read_text())
    assert document["total"]["discharged"] == 6


def test_an_empty_read_model_gives_a_report_that_says_so(store: ReadModel) -> None:
    page = build_report(store, now=NOW).html
    assert "inget att räkna ännu" in page and "<svg" not in page


def test_discharge_report_writes_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCHARGE_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--from", "2027-01-01", "--out", str(tmp_path / "r")])
    assert exit_.value.code == 0
    assert (tmp_path / "r" / "report.html").exists()
    assert "0 discharged" in capsys.readouterr().out


def test_discharge_report_counts_the_readmission_window_of_the_region_s_policy_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A patient discharged some 45 days ago, not readmitted, pathway still open: outside Halland's 30
    days, inside a region's 90 (its policy file's window, as its pathways count it)."""
    start = datetime.now(UTC).date() - timedelta(days=50)
    _, trace = trace_where(lambda t: "support_started" in types(t), SimulationParams(start=start))
    events = cloudevents(trace)
    until_support = events[: types(trace).index("support_started") + 1]
    data = tmp_path / "data"
    data.mkdir()
    with open_store(f"sqlite:///{data / 'readmodel.db'}") as store:
        store.apply(until_support)
    policy = tmp_path / "policy.yaml"
    default = (Path(discharge.policy.__file__).parent / "halland.yaml").read_text()
    policy.write_text(default.replace("readmission_window: P30D", "readmission_window: P90D"))
    monkeypatch.setenv("DISCHARGE_DATA_DIR", str(data))

    def window_open() -> int:
        with pytest.raises(SystemExit):
            main(["report", "--out", str(tmp_path / "r")])
        return int(
            json.loads((tmp_path / "r" / "indicators.json").read_text())["total"]["readmission_window_open"]
        )

    assert window_open() == 0
    monkeypatch.setenv("DISCHARGE_POLICY_FILE", str(policy))
    assert window_open() == 1
