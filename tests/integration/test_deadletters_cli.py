"""`discharge deadletters` on a secured nats-server, with the data dir's CLI user as `discharge dev` has."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from discharge.cli.main import main
from discharge.keyring import new_ring, write_ring
from discharge.nats_connection import provision
from events.deadletter import DeadLetter, deadletter_subject
from events.examples import PERSONNUMMER, example_event
from events.identity import parse_identity, patient_key
from events.streams import DEADLETTER_STREAM, INBOUND_STREAM
from tests.integration.delivery_support import connect_as, login_settings
from tests.servers import start_nats
from workers.stack.nats_auth import ensure_logins

pytestmark = pytest.mark.integration

OPS = "SE2321000131-E000000000900"  # the key ring's holder: the person at the terminal
SECRET = "dead-letter-test-secret-of-32-bytes-at-least"


def _main(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


async def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`discharge ARGS` as a user runs it (its own event loop: in a thread of its own)."""
    capsys.readouterr()  # only this command's output
    status = await asyncio.to_thread(_main, args)
    return status, capsys.readouterr().out


async def test_ops_list_filter_show_and_replay_a_corrected_dead_letter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = await start_nats(tmp_path, secured=True)
    logins = ensure_logins(tmp_path)
    await provision(login_settings(server, logins["cli"], tmp_path))
    gateway = await connect_as(server, logins["gateway"])
    monkeypatch.setenv("NATS_URL", server.url)
    monkeypatch.setenv("DISCHARGE_DATA_DIR", str(tmp_path))
    ring, audit = tmp_path / "ring.json", tmp_path / "audit.jsonl"
    write_ring(ring, new_ring().with_holders([OPS]))
    monkeypatch.setenv("DISCHARGE_PAYLOAD_KEYS_FILE", str(ring))
    monkeypatch.setenv("DISCHARGE_AUDIT_LOG", str(audit))
    monkeypatch.setenv("DISCHARGE_PATIENT_KEY_SECRET", SECRET)
    try:
        status, out = await run(["deadletters", "--json"], capsys)
        assert (status, json.loads(out)) == (0, [])  # none yet: an empty stream is no error
        good = example_event("hospital.patient_discharged")
        broken = {**good, "data": {**good["data"], "home_type": "castle"}}
        refused = [
            (b"not json", DeadLetter("not_json", "not JSON", "events.hospital.x", datetime.now(UTC), 1, 1)),
            (
                json.dumps(broken).encode(),
                DeadLetter(
                    "schema_violation",
                    "data.home_type: not one of own_home, nursing_home, lss_home",
                    "events.hospital.patient_discharged",
                    datetime.now(UTC),
                    1,
                    2,
                ),
            ),
        ]
        for body, letter in refused:
            await gateway.jetstream().publish(
                deadletter_subject(letter.subject), body, stream=DEADLETTER_STREAM, headers=letter.headers()
            )

        status, out = await run(["deadletters", "--json"], capsys)
        assert status == 0 and [row["kind"] for row in json.loads(out)] == ["not_json", "schema_violation"]
        assert "castle" not in out  # a listing never shows a body
        only = ["--reason", "schema_violation", "--since", "PT1H", "--json"]
        status, out = await run(["deadletters", *only], capsys)
        assert [row["sequence"] for row in json.loads(out)] == [2]
        status, out = await run(["deadletters", "--subject", "events.hospital.*", "--json"], capsys)
        assert len(json.loads(out)) == 2
        status, out = await run(["deadletters", "--since", "2099-01-01", "--json"], capsys)
        assert json.loads(out) == []

        # The body holds an identity: only a named person reads or replays it, and each look is a line.
        status, out = await run(["deadletters", "show", "2", "--bytes"], capsys)
        assert status == 2 and out == ""
        status, out = await run(["deadletters", "show", "2", "--bytes", "--as", OPS], capsys)
        assert status == 0 and json.loads(out)["data"]["home_type"] == "castle"
        fixed = tmp_path / "fixed.json"
        fixed.write_text(json.dumps(good))
        status, _ = await run(["deadletters", "replay", "2", "--as", OPS], capsys)  # invalid: refused
        assert status == 1
        status, out = await run(["deadletters", "replay", "2", str(fixed), "--as", OPS], capsys)
        assert status == 0 and "published: 1" in out
        status, _ = await run(
            ["deadletters", "show", "1", "--bytes", "--as", OPS], capsys
        )  # no patient in it
        assert status == 0
        lines = [json.loads(line) for line in audit.read_text().splitlines()]
        key = patient_key(parse_identity(PERSONNUMMER), SECRET)
        assert [(e["action"], e["result"], e["actor"], e["patient_key"]) for e in lines] == [
            ("view_deadletter", "refused", "unnamed", key),
            ("view_deadletter", "granted", OPS, key),
            ("replay_deadletter", "granted", OPS, key),
            ("replay_deadletter", "granted", OPS, key),
            ("view_deadletter", "granted", OPS, None),
        ]
        assert [e["activity"] for e in lines[1:4]] == ["Läsa", "Skriva", "Skriva"]
        assert (
            PERSONNUMMER not in audit.read_text() and PERSONNUMMER.replace("-", "") not in audit.read_text()
        )
        info = await gateway.jetstream().stream_info(INBOUND_STREAM, subjects_filter="events.>")
        assert info.state.subjects == {"events.hospital.patient_discharged": 1}
        status, _ = await run(["deadletters", "show", "99"], capsys)
        assert status == 1
    finally:
        await gateway.close()
        await server.stop()
