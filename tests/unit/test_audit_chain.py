"""The access log's hash chain: a deleted or edited line, anywhere, makes `discharge audit verify` fail."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

from discharge import audit_chain
from discharge.audit import GENESIS, AuditLog, head_path, line_hash
from discharge.audit_chain import ChainVerifier, verify_chain

CARER = "SE2321000131-E000000000300"


def _log_of(path: Path, lines: int = 4) -> AuditLog:
    log = AuditLog(path)
    for n in range(lines):
        log.record(actor=CARER, role="coordinator", action="view_identity", patient_key=f"pk_{n:032x}")
    return log


def _cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"DISCHARGE_AUDIT_LOG": str(path), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "discharge.cli.main", "audit", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_each_line_carries_the_previous_lines_hash_and_the_head_names_the_last(tmp_path: Path) -> None:
    log = _log_of(tmp_path / "audit.jsonl", 3)
    raw = log.path.read_bytes().splitlines(keepends=True)
    entries = [json.loads(line) for line in raw]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev"] == GENESIS
    assert [e["prev"] for e in entries[1:]] == [line_hash(raw[0]), line_hash(raw[1])]
    assert json.loads(head_path(log.path).read_text()) == {"seq": 3, "hash": line_hash(raw[2])}
    assert verify_chain(log.path).whole
    assert head_path(log.path).stat().st_mode & 0o077 == 0


def test_a_record_has_the_access_log_extracts_fields(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    entry = log.record(
        actor="SE2321000131-E000000000900", role="ops", action="view_pathway", patient_key="pk_" + "a" * 32,
        result="refused", origin="web 10.0.0.7",
    )  # fmt: skip
    assert (entry.purpose, entry.activity, entry.result) == ("Administration", "Läsa", "refused")
    assert entry.workflow_id == "pathway-pk_" + "a" * 32
    assert entry.origin == "web 10.0.0.7"


def test_a_page_of_patients_is_one_chained_line_each_written_together(tmp_path: Path) -> None:
    log = _log_of(tmp_path / "audit.jsonl", 2)
    keys: list[str | None] = ["pk_" + c * 32 for c in "abc"]
    written = log.record_many(
        keys, actor="fhir-reader", role="system", action="search", origin="fhir 10.0.0.8"
    )
    assert [(e.seq, e.patient_key) for e in written] == [(3, keys[0]), (4, keys[1]), (5, keys[2])]
    raw = log.path.read_bytes().splitlines(keepends=True)
    assert [json.loads(line)["prev"] for line in raw[2:]] == [line_hash(line) for line in raw[1:4]]
    assert json.loads(head_path(log.path).read_text()) == {"seq": 5, "hash": line_hash(raw[4])}
    assert verify_chain(log.path).whole


@pytest.mark.parametrize("victim", [0, 1, 3])
def test_a_deleted_line_breaks_the_chain_where_it_was(tmp_path: Path, victim: int) -> None:
    log = _log_of(tmp_path / "audit.jsonl")
    raw = log.path.read_bytes().splitlines(keepends=True)
    log.path.write_bytes(b"".join(line for n, line in enumerate(raw) if n != victim))
    report = verify_chain(log.path)
    assert not report.whole
    assert report.broken_line == victim + 1 if victim < 3 else report.broken_line in (3, 4)


def test_an_edited_actor_breaks_the_chain_at_the_next_line(tmp_path: Path) -> None:
    log = _log_of(tmp_path / "audit.jsonl")
    text = log.path.read_text().splitlines(keepends=True)
    text[1] = text[1].replace(CARER, "SE2321000131-E000000000999")
    log.path.write_text("".join(text))
    report = verify_chain(log.path)
    assert (report.whole, report.broken_line) == (False, 3)


def test_an_edited_last_line_is_found_by_the_head(tmp_path: Path) -> None:
    log = _log_of(tmp_path / "audit.jsonl")
    log.path.write_text(log.path.read_text().replace("pk_" + "0" * 31 + "3", "pk_" + "0" * 31 + "9"))
    assert not verify_chain(log.path).whole


def test_lines_from_before_the_chain_are_sealed_by_the_first_chained_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    legacy = '{"at": "2026-11-30T10:00:00Z", "actor": "ops", "role": "ops", "action": "decode"}\n'
    path.write_text(legacy)
    AuditLog(path).record(actor=CARER, role="coordinator", action="decide", activity="Skriva")
    assert verify_chain(path).whole
    path.write_text(path.read_text().replace('"actor": "ops"', '"actor": "someone-else"'))
    assert verify_chain(path).broken_line == 2


def _append_many(path: str, writer: int) -> None:
    log = AuditLog(Path(path))
    for n in range(25):
        log.record(actor=f"writer-{writer}", role="ops", action="decode", detail=str(n))


def test_several_writer_processes_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_append_many, args=(str(path), n)) for n in range(3)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    assert [w.exitcode for w in writers] == [0, 0, 0]
    report = verify_chain(path)
    assert report.whole and report.lines == 75


def test_discharge_audit_verify_exits_0_when_whole_and_1_naming_the_deleted_line(tmp_path: Path) -> None:
    log = _log_of(tmp_path / "audit.jsonl")
    whole = _cli(log.path, "verify")
    assert whole.returncode == 0, whole.stderr
    assert "whole (4 line(s))" in whole.stdout
    raw = log.path.read_bytes().splitlines(keepends=True)
    log.path.write_bytes(raw[0] + raw[2] + raw[3])
    broken = _cli(log.path, "verify")
    assert broken.returncode == 1
    assert "line 2 breaks the chain" in broken.stderr


def test_export_writes_one_patients_lines_in_ineras_fields(tmp_path: Path) -> None:
    log = _log_of(tmp_path / "audit.jsonl")
    key = "pk_" + "0" * 31 + "2"
    done = _cli(log.path, "export", "--patient", key, "--since", "2000-01-01")
    assert done.returncode == 0, done.stderr
    [line] = [json.loads(text) for text in done.stdout.splitlines()]
    assert line["patientKey"] == key and line["userId"] == CARER
    assert {"accessDate", "careUnitId", "purpose", "activityType", "resourceType", "result"} <= set(line)


@pytest.fixture
def lines_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many lines' JSON each check read (the costly part of a check)."""
    counts = [0]
    read_entry = audit_chain._chain_of

    def counted(raw: bytes) -> tuple[int, str] | None:
        counts[0] += 1
        return read_entry(raw)

    monkeypatch.setattr(audit_chain, "_chain_of", counted)
    return counts


def test_the_pages_check_reads_only_the_lines_added_since_the_last(
    tmp_path: Path, lines_read: list[int]
) -> None:
    log = _log_of(tmp_path / "audit.jsonl", 6)
    verifier = ChainVerifier(log.path)
    assert verifier.check().whole and lines_read == [6]
    _log_of(log.path, 2)
    report = verifier.check()
    assert report.whole and report.lines == 8 and report.head is not None and report.head.seq == 8
    assert lines_read == [8]  # the two new lines only
    assert verifier.check().whole and lines_read == [8]


@pytest.mark.parametrize("victim", [1, 3])
def test_the_pages_check_still_finds_an_old_line_rewritten_in_place_or_deleted(
    tmp_path: Path, victim: int
) -> None:
    log = _log_of(tmp_path / "audit.jsonl", 5)
    verifier = ChainVerifier(log.path)
    assert verifier.check().whole
    raw = log.path.read_bytes().splitlines(keepends=True)
    edited = raw[victim - 1].replace(b"view_identity", b"view_pathway!")  # the same length, same inode
    assert len(edited) == len(raw[victim - 1])
    with log.path.open("r+b") as handle:
        handle.seek(sum(len(line) for line in raw[: victim - 1]))
        handle.write(edited)
    report = verifier.check()
    assert not report.whole and report.broken_line == victim + 1

    deleted = _log_of(tmp_path / "deleted.jsonl", 5)
    verifier = ChainVerifier(deleted.path)
    assert verifier.check().whole
    raw = deleted.path.read_bytes().splitlines(keepends=True)
    deleted.path.write_bytes(b"".join(raw[: victim - 1] + raw[victim:]))
    _log_of(deleted.path, 1)  # and a line written after the deletion
    report = verifier.check()
    assert not report.whole and report.broken_line == victim


def test_the_pages_check_finds_the_last_line_cut_off(tmp_path: Path) -> None:
    log = _log_of(tmp_path / "audit.jsonl", 4)
    verifier = ChainVerifier(log.path)
    assert verifier.check().whole
    raw = log.path.read_bytes().splitlines(keepends=True)
    log.path.write_bytes(b"".join(raw[:-1]))
    assert not verifier.check().whole
