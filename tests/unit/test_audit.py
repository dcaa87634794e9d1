from pathlib import Path

from discharge.audit import AuditEntry, AuditLog


def test_entries_are_appended_and_read_newest_first(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(
        AuditEntry(
            actor="SE2321000131-E000000000300", role="coordinator", action="decide", patient_key="pk_1"
        )
    )
    log.append(
        AuditEntry(
            actor="SE2321000131-E000000000300", role="coordinator", action="acknowledge", patient_key="pk_2"
        )
    )
    assert [e.patient_key for e in log.newest()] == ["pk_2", "pk_1"]
    assert [e.action for e in log.entries()] == ["decide", "acknowledge"]


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(AuditEntry(actor="ops", role="ops", action="decode", workflow_id="pathway-pk_1"))
    with log.path.open("ab") as handle:
        handle.write(b'{"at": "2026-')
    assert len(list(log.entries())) == 1


def test_the_file_is_private_to_its_owner(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(AuditEntry(actor="ops", role="ops", action="decode"))
    assert log.path.stat().st_mode & 0o077 == 0
