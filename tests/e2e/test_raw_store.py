"""No patient identifier anywhere on disk or in any log: the whole stack, then every byte it left.

`discharge dev` runs as a user runs it (its own data dir, free ports, the demo), more pathways are sent
with every kind of identifier the region uses (one of them dead-lettered, one with its ``system`` OID),
an ops person reads a history through the codec server (so the audit log has an entry), and the stack
is stopped. Then every file under the data dir (Temporal's SQLite file, JetStream's store, the NATS
config, the audit log, the keys) and every byte the stack wrote to stdout and stderr (Temporal's, NATS's
and our logs) is searched for each identifier (among them numbers hidden in an event's ``id``, ``source``,
``episode_id``, ``unit`` and subject, each refused), with and without its hyphen: zero occurrences.
The identifiers are shown to be really there first: decoded from the histories with the stack's key ring.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import signal
import stat
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import nats
import pytest
from google.protobuf import json_format
from nats.js import JetStreamContext
from temporalio.api.common.v1 import Payloads

from discharge.audit import AuditLog
from discharge.demo.loader import demo_events
from discharge.keyring import dev_ring_path
from discharge.nats_connection import connect_nats
from discharge.settings import Settings, load_settings
from discharge.temporal_client import connect_temporal
from events.examples import example_event
from events.identity import OID_PERSONNUMMER, parse_identity, patient_key, workflow_id_for
from events.streams import DEADLETTER_STREAM
from tests.integration.stack_command_support import command_env
from workers.stack.nats_auth import ensure_logins
from workers.stack.protection import dev_ops_token

pytestmark = [pytest.mark.integration, pytest.mark.timeout(420)]

COMMAND = [sys.executable, "-m", "discharge.cli.main"]
NOW = datetime.now(UTC).replace(microsecond=0)
#: Every kind the region sends; sources of the numbers: tests/unit/test_identity_vectors.py.
EXTRA = {
    "samordningsnummer": "19570574-9959",
    "national_reservnummer": "98240301AA06",
    "halland_reservnummer": "19810832-0014",
    "personnummer_with_system": "19121212-1212",
}
DEAD_LETTERED = "19090527-1474"  # sent only in an event that is refused (its original bytes are kept)
#: Identities hidden where none belongs (events/hidden_identity.py): each event is refused, and neither its
#: dead letter's subject, headers and reason nor any log line may repeat the number.
HIDDEN = {
    "id": "19390101-2397",
    "source": "19400102-3482",
    "episode_id": "19410103-4579",
    "unit": "19420104-5665",
    "subject": "19430105-6752",
}


def forms(identity: str) -> set[str]:
    """The identifier as a sender may write it: 12 characters, and with the hyphen before the last four."""
    canonical = parse_identity(identity).canonical
    return {canonical, f"{canonical[:8]}-{canonical[8:]}"}


def pathway(identity: str, n: int, system: str | None = None) -> list[dict[str, object]]:
    events = []
    for step, (event_type, hours_ago) in enumerate(
        [
            ("hospital.patient_admitted", 30),
            ("hospital.risk_assessed", 28),
            ("hospital.patient_discharged", 2),
        ]
    ):
        event = example_event(
            event_type, patient=identity, event_id=f"raw-{n}-{step}", time=NOW - timedelta(hours=hours_ago),
            episode=f"VE-RAW-{n}",
        )  # fmt: skip
        if system is not None:
            event["data"]["patient"]["system"] = system
        events.append(event)
    return events


def every_file(root: Path) -> Iterator[Path]:
    return (path for path in root.rglob("*") if path.is_file())


async def publish(env: dict[str, str], events: list[dict[str, object]]) -> None:
    process = await asyncio.create_subprocess_exec(
        *COMMAND, "publish", env=env, stdin=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate("\n".join(map(json.dumps, events)).encode()), 60)
    assert process.returncode == 0, stderr


async def send_as_hospital(
    data: Path, url: str, event: dict[str, object], subject: str | None = None
) -> None:
    """What the hospital's own system does (not through our CLI, which would refuse the event first)."""
    login = ensure_logins(data)["hospital"]
    connection = await nats.connect(url, nkeys_seed=str(login.seed_file), inbox_prefix=login.inbox_prefix)
    try:
        subject = subject or f"events.{event['type']}"
        # A sender's own message id is "<source> <id>" (the contract's de-duplication key).
        headers = {"Nats-Msg-Id": f"{event['source']} {event['id']}"}
        await connection.jetstream().publish(subject, json.dumps(event).encode(), headers=headers)
    finally:
        await connection.close()


def hidden_events() -> list[tuple[dict[str, object], str | None]]:
    """One event per field of ``HIDDEN``, its number hidden there (and its own patient a demo-free one)."""
    sent = []
    for n, (where, identity) in enumerate(HIDDEN.items()):
        digits = identity.replace("-", "")
        event = example_event(
            "hospital.patient_admitted", patient=EXTRA["samordningsnummer"], event_id=f"raw-hidden-{n}"
        )
        data = event["data"]
        assert isinstance(data, dict)
        subject = None
        if where == "id":
            event["id"] = f"adm-{identity}"
        elif where == "source":
            event["source"] = f"urn:hospital:{digits}"
        elif where == "episode_id":
            data["episode_id"] = f"HS{digits}"
        elif where == "unit":
            data["unit"] = f"SE2321000131-{digits}"
        else:
            subject = f"events.hospital.patient_admitted.{digits}"
        sent.append((event, subject))
    return sent


async def drain(stream: asyncio.StreamReader, into: bytearray, seen: asyncio.Event, marker: bytes) -> None:
    while chunk := await stream.read(65536):
        into.extend(chunk)
        if marker in into:
            seen.set()


async def decoded_history(settings: Settings, identity: str) -> bytes:
    """The pathway's history, decrypted with the stack's ring: what the codec server would show."""
    client = await connect_temporal(settings)
    key = patient_key(parse_identity(identity), settings.discharge_patient_key_secret.get_secret_value())
    history = await client.get_workflow_handle(workflow_id_for(key)).fetch_history()
    codec = client.data_converter.payload_codec
    assert codec is not None
    plain = b""
    for event in history.events:
        if event.HasField("workflow_execution_signaled_event_attributes"):
            payloads = event.workflow_execution_signaled_event_attributes.input.payloads
            plain += b"".join(p.data for p in await codec.decode(payloads))
    return plain


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            with contextlib.suppress(Exception):  # not there yet (no pathway, no stream) counts as "not yet"
                if await check():
                    return
            await asyncio.sleep(0.5)


async def test_no_identifier_in_any_file_or_log_of_the_stack(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # Free ports for every part (the defaults, 8080, 8090, 2575, 8092, 9101-9106, may be another stack's on a
    # shared machine: the stack would stop at once, naming the port).
    # A 10 s late-event grace, not the embedded stack's 40 s: the demo's second wave waits for its reviews to
    # open after the grace, and what this test proves (no identifier on disk) does not depend on it.
    env = command_env(data, DISCHARGE_LOG_LEVEL="debug", DISCHARGE_LATE_EVENT_GRACE="PT10S")
    settings = load_settings(
        temporal_address=env["TEMPORAL_ADDRESS"], nats_url=env["NATS_URL"], discharge_data_dir=data,
        discharge_payload_keys_file=dev_ring_path(data),
    )  # fmt: skip
    demo_identities = {str(event["data"]["patient"]["id"]) for _, event in demo_events(NOW)}
    sent = demo_identities | set(EXTRA.values()) | {DEAD_LETTERED} | set(HIDDEN.values())
    assert len(demo_identities) >= 10

    out, err = bytearray(), bytearray()
    demo_loaded = asyncio.Event()
    process = await asyncio.create_subprocess_exec(
        *COMMAND, "dev", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    readers = [
        asyncio.create_task(drain(process.stdout, out, asyncio.Event(), b"")),
        asyncio.create_task(drain(process.stderr, err, demo_loaded, b'"event": "demo loaded"')),
    ]
    try:
        # The demo loaded, or the stack ended (a taken port, a part that died): then say so, not wait on.
        loaded, exited = asyncio.create_task(demo_loaded.wait()), asyncio.create_task(process.wait())
        await asyncio.wait([loaded, exited], timeout=240, return_when=asyncio.FIRST_COMPLETED)
        loaded.cancel()
        assert demo_loaded.is_set(), (
            f"no demo loaded: discharge dev {process.returncode=}; {bytes(err[-2000:])!r}"
        )
        events = [e for n, (kind, identity) in enumerate(EXTRA.items()) for e in pathway(
            identity, n, OID_PERSONNUMMER if kind == "personnummer_with_system" else None)]  # fmt: skip
        refused = example_event("hospital.patient_admitted", patient=DEAD_LETTERED, event_id="raw-refused")
        refused["data"]["admission"] = "teleported"
        await publish(env, events)
        await send_as_hospital(data, settings.nats_url, refused)
        for event, subject in hidden_events():
            await send_as_hospital(data, settings.nats_url, event, subject)

        # The identifiers really went in: each pathway's history holds its identity (decrypted) ...
        for identity in EXTRA.values():
            canonical = parse_identity(identity).canonical.encode()
            await wait_until(functools.partial(_holds, settings, identity, canonical))
        # ... and the refused event sits in the dead-letter stream with its original bytes.
        nats_client = await connect_nats(settings, retry_forever=False)
        try:
            dead_letters = nats_client.jetstream()
            await wait_until(lambda: _has_messages(dead_letters, 1 + len(HIDDEN)))
        finally:
            await nats_client.close()

        # An ops person reads one history through the codec server: decoded, and audited.
        client = await connect_temporal(settings)
        key = patient_key(
            parse_identity(EXTRA["halland_reservnummer"]),
            settings.discharge_patient_key_secret.get_secret_value(),
        )
        history = await client.get_workflow_handle(workflow_id_for(key)).fetch_history()
        signal_payloads = next(
            e for e in history.events if e.HasField("workflow_execution_signaled_event_attributes")
        ).workflow_execution_signaled_event_attributes.input
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                f"http://{settings.codec_address}/decode",
                json=json_format.MessageToDict(signal_payloads),
                headers={"Authorization": f"Bearer {dev_ops_token(settings)}", "X-Namespace": "default"},
            )
        assert answer.status_code == 200
        assert b"198108320014" in b"".join(
            p.data for p in json_format.ParseDict(answer.json(), Payloads()).payloads
        )
        assert [entry.patient_key for entry in AuditLog(settings.audit_log_path).entries()] == [key]

        # A FHIR reader asks who holds a patient, by URL and by form: an answer, an access-log line, no trace.
        fhir_base = f"http://{env['DISCHARGE_FHIR_ADDRESS']}/fhir/R4"
        reader = (data / "keys" / "http" / "fhir-reader.token").read_text().strip()
        asked = f"urn:oid:{OID_PERSONNUMMER}|{EXTRA['personnummer_with_system']}"
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {reader}"}) as fhir:

            async def fhir_found() -> bool:
                found = await fhir.get(f"{fhir_base}/EpisodeOfCare", params={"patient.identifier": asked})
                return bool(found.json()["total"] == 1)

            await wait_until(fhir_found)
            by_form = await fhir.post(
                f"{fhir_base}/EpisodeOfCare/_search", data={"patient.identifier": asked}
            )
        assert by_form.json()["total"] == 1
        asked_key = patient_key(
            parse_identity(EXTRA["personnummer_with_system"]),
            settings.discharge_patient_key_secret.get_secret_value(),
        )
        fhir_lines = [
            e for e in AuditLog(settings.audit_log_path).entries() if e.origin and e.origin.startswith("fhir")
        ]
        assert fhir_lines and {e.patient_key for e in fhir_lines} == {asked_key}
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 60)
        await asyncio.gather(*readers)
    assert code == 0

    # Everything the stack left is its owner's alone: the data dir 0700, every file in it 0600.
    modes = {
        str(path.relative_to(data)): (stat.S_IMODE(path.stat().st_mode), 0o700 if path.is_dir() else 0o600)
        for path in [data, *data.rglob("*")]
    }
    assert {name: oct(mode) for name, (mode, owners) in modes.items() if mode != owners} == {}
    assert {"temporal.db", "readmodel.db", "audit.jsonl", "sessions.db"} <= set(modes)

    found: dict[str, list[str]] = {}
    stores = {str(path.relative_to(data)): path.read_bytes() for path in every_file(data)}
    stores["stdout of discharge dev"] = bytes(out)
    stores["stderr of discharge dev (Temporal, NATS, worker, gateway, codec server logs)"] = bytes(err)
    assert any(name.startswith("nats/jetstream") for name in stores) and "temporal.db" in stores
    assert "audit.jsonl" in stores and len(err) > 10_000
    for identity in sorted(sent):
        for form in forms(identity):
            found.update({form: [name for name, content in stores.items() if form.encode() in content]})
    assert {form: where for form, where in found.items() if where} == {}


async def _has_messages(js: JetStreamContext, count: int) -> bool:
    return (await js.stream_info(DEADLETTER_STREAM)).state.messages >= count


async def _holds(settings: Settings, identity: str, canonical: bytes) -> bool:
    return canonical in await decoded_history(settings, identity)
