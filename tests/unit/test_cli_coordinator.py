"""The coordinator commands' own checks, made before any connection, and the `pathways --help` text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from discharge.cli.coordinator import decision_of, patient_key_of
from discharge.cli.main import build_parser, main
from discharge.cli.plumbing import UsageError
from discharge.settings import Settings
from discharge.views.visibility import pathways_query, patient_query, tasks_query
from events.identity import resolve_patient

BY = ["--by", "SE2321000131-E000000000300"]


def _decide(*argv: str) -> object:
    return decision_of(build_parser().parse_args(["decide", "19091231-9803", *argv]))


def test_a_well_formed_extension_becomes_a_decision() -> None:
    decision = _decide("extend", "--days", "7", "--reason", "  oxygen weaning ", *BY)
    assert decision.model_dump() == {  # type: ignore[attr-defined]
        "decision": "extend",
        "extend_days": 7,
        "reason": "oxygen weaning",
        "decided_by": "SE2321000131-E000000000300",
        "recorded_by": None,  # set by `decide` from its Temporal client's identity once connected
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["extend", "--days", "0", "--reason", "x", *BY], "--days: an extension is 1 to 14 days"),
        (["extend", "--days", "15", "--reason", "x", *BY], "--days: an extension is 1 to 14 days"),
        (["extend", "--reason", "x", *BY], "an extension needs --days N (1-14)"),
        (["handover", "--days", "3", "--reason", "x", *BY], "--days only goes with extend"),
        (["handover", "--reason", "   ", *BY], "--reason must say why"),
        (["handover", "--reason", "x", "--by", "Dr Nilsson"], "--by: expected an HSA-id"),
    ],
)
def test_a_bad_decision_is_refused_before_connecting(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        _decide(*argv)


def test_missing_reason_or_by_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["decide", "19091231-9803", "handover"])
    assert exit_.value.code == 2
    assert "the following arguments are required: --reason, --by" in capsys.readouterr().err


def test_patient_is_an_identity_or_a_key_and_never_echoed() -> None:
    settings = Settings(discharge_patient_key_secret="s")
    key = resolve_patient("19091231-9803", "s")
    assert patient_key_of("19091231-9803", settings) == key
    assert patient_key_of(key, settings) == key
    with pytest.raises(UsageError) as refused:
        patient_key_of("19091231-9804", settings)
    assert "check digit" in str(refused.value) and "9804" not in str(refused.value)


def test_pathways_help_lists_the_ui_queries(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["pathways", "--help"])
    text = capsys.readouterr().out
    for query in (
        pathways_query(phase="extension_review"),
        pathways_query(escalated=True),
        tasks_query(),
        pathways_query(vardcentral="SE2321000131-E000000000101"),
        patient_query("pk_0123456789abcdef0123456789abcdef"),
    ):
        assert query in text
    assert "TaskDueAt < " in text


@pytest.mark.parametrize("command", ["pathways", "tasks"])
def test_a_missing_payload_key_ring_is_one_line_and_exit_2_not_a_traceback(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Refused before any connection: the Temporal client cannot decrypt payloads without the ring.
    monkeypatch.delenv("DISCHARGE_PAYLOAD_KEYS_FILE", raising=False)
    monkeypatch.setenv("DISCHARGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
    with pytest.raises(SystemExit) as exited:
        main([command])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("discharge: no payload key ring: set DISCHARGE_PAYLOAD_KEYS_FILE")
    assert len(err.strip().splitlines()) == 1
