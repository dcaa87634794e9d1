"""`discharge publish` against a real nats-server: validated first, all or nothing, acked, de-duplicated."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client as Nats

from discharge.cli.main import build_parser
from discharge.cli.publishing import publish_text, read_input, run_publish
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.examples import PERSONNUMMER, example_event
from events.streams import INBOUND_STREAM, ensure_streams
from tests.servers import NatsProcess, start_nats
from workers.stack.servers import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[NatsProcess]:
    (tmp_path / "nats").mkdir()
    server = await start_nats(tmp_path / "nats")
    yield server
    await server.stop()


async def stored(url: str) -> list[tuple[str, dict[str, str], dict[str, object]]]:
    nats: Nats = await connect_nats(Settings(nats_url=url), retry_forever=False)
    try:
        js = nats.jetstream()
        await ensure_streams(js)  # so "nothing published" reads as an empty stream
        info = await js.stream_info(INBOUND_STREAM)
        messages = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1) if info.state.messages else ():
            message = await js.get_msg(INBOUND_STREAM, seq)
            body = json.loads(message.data or b"")
            messages.append((message.subject or "", dict(message.headers or {}), body))
        return messages
    finally:
        await nats.drain()


async def run(settings: Settings, file: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        text = read_input(file)
    except OSError:
        return 2, "", "cannot read"
    status = await publish_text(settings, text, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


async def test_json_lines_are_published_on_their_subjects_with_the_dedup_key(
    own_nats: NatsProcess, tmp_path: Path
) -> None:
    events = [
        example_event("hospital.patient_admitted", event_id="a-1"),
        example_event("hospital.risk_assessed", event_id="a-2"),
        example_event("hospital.patient_admitted", event_id="a-1"),  # sent twice by the hospital
    ]
    file = tmp_path / "events.jsonl"
    file.write_text("\n".join(json.dumps(event) for event in events) + "\n\n")

    status, out, err = await run(Settings(nats_url=own_nats.url), str(file))
    assert (status, err) == (0, "")
    assert out.strip() == "published: 2, duplicates: 1"
    messages = await stored(own_nats.url)
    assert [(subject, body["id"]) for subject, _, body in messages] == [
        ("events.hospital.patient_admitted", "a-1"),
        ("events.hospital.risk_assessed", "a-2"),
    ]
    assert messages[0][1]["Nats-Msg-Id"] == "urn:hsa:SE2321000131-E000000000001 a-1"

    # Running the same file again (a retry after a timeout) publishes nothing new.
    status, out, _ = await run(Settings(nats_url=own_nats.url), str(file))
    assert status == 0 and out.strip() == "published: 0, duplicates: 3"

    # A replay (a dead letter fixed and re-sent) gets past JetStream's window; the pathway de-duplicates.
    replay_out = io.StringIO()
    settings = Settings(nats_url=own_nats.url)
    status = await publish_text(settings, file.read_text(), out=replay_out, replay=True)
    assert status == 0 and replay_out.getvalue().strip() == "published: 2, duplicates: 1"
    assert len(await stored(own_nats.url)) == 4


async def test_one_invalid_event_means_nothing_is_published(own_nats: NatsProcess, tmp_path: Path) -> None:
    bad = example_event("hospital.patient_admitted", event_id="b-2")
    bad["data"]["patient"]["id"] = "19091231-9804"
    file = tmp_path / "events.json"
    file.write_text(json.dumps([example_event("hospital.patient_admitted", event_id="b-1"), bad, {"x": 1}]))

    status, out, err = await run(Settings(nats_url=own_nats.url), str(file))
    assert status == 1 and out == ""
    reason = "data.patient.id: not a valid personnummer: the check digit is wrong"
    assert f"item 2: schema_violation: {reason}" in err
    assert "item 3: unknown_type" in err
    assert "2 invalid event(s); nothing was published" in err
    assert "9804" not in err  # the number itself is never echoed
    assert await stored(own_nats.url) == []


async def test_a_single_object_from_stdin(own_nats: NatsProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    event = example_event("municipality.homecare_enrolled", patient=PERSONNUMMER, event_id="c-1")
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(event, indent=2)))
    args = build_parser().parse_args(["publish"])
    assert args.file == "-" and args.handler is run_publish
    status, out, _ = await run(Settings(nats_url=own_nats.url), args.file)
    assert (status, out.strip()) == (0, "published: 1, duplicates: 0")
    assert [body["id"] for _, _, body in await stored(own_nats.url)] == ["c-1"]


async def test_unreachable_nats_is_one_clear_line(tmp_path: Path) -> None:
    file = tmp_path / "one.json"
    file.write_text(json.dumps(example_event("hospital.patient_deceased")))
    url = f"nats://127.0.0.1:{free_port()}"
    status, out, err = await run(Settings(nats_url=url), str(file))
    assert status == 1 and out == ""
    assert err.startswith(f"discharge: publishing to NATS at {url} failed:")
    assert err.count("\n") == 1


def test_a_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["publish", str(tmp_path / "nope.json")])
    assert args.handler(args) == 2
    assert "discharge: cannot read" in capsys.readouterr().err
