"""`discharge deadletters` on a secured nats-server, with the data dir's CLI user as `discharge dev` has."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from discharge.cli.main import main
from discharge.nats_connection import provision
from events.deadletter import DeadLetter, deadletter_subject
from events.examples import example_event
from events.streams import DEADLETTER_STREAM, INBOUND_STREAM
from tests.integration.delivery_support import connect_as, login_settings
from tests.servers import start_nats
from workers.stack.nats_auth import ensure_logins

pytestmark = pytest.mark.integration


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

        status, out = await run(["deadletters", "show", "2", "--bytes"], capsys)
        assert status == 0 and json.loads(out)["data"]["home_type"] == "castle"
        fixed = tmp_path / "fixed.json"
        fixed.write_text(json.dumps(good))
        status, _ = await run(["deadletters", "replay", "2"], capsys)  # the original is invalid: refused
        assert status == 1
        status, out = await run(["deadletters", "replay", "2", str(fixed)], capsys)
        assert status == 0 and "published: 1" in out
        info = await gateway.jetstream().stream_info(INBOUND_STREAM, subjects_filter="events.>")
        assert info.state.subjects == {"events.hospital.patient_discharged": 1}
        status, _ = await run(["deadletters", "show", "99"], capsys)
        assert status == 1
    finally:
        await gateway.close()
        await server.stop()
