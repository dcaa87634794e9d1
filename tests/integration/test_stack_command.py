"""`discharge dev` as a user runs it: every part as a real process, and no process or port left behind when
it stops (SIGTERM) or is killed. How commands end when they cannot run: test_stack_command_exits.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook
from temporalio.service import RPCError

from discharge.demo.patients import LMV as DEMO_LMV_UNIT
from discharge.keyring import dev_ring_path
from discharge.readmodel.store import ReadModel
from discharge.settings import Settings, load_settings
from discharge.temporal_client import connect_temporal
from events.examples import example_event
from events.identity import parse_identity, patient_key, workflow_id_for
from tests.integration.stack_command_support import Starter, command_env, ports_of, run_command, start_dev
from tests.integration.stack_support import process_gone
from tests.integration.test_stack_readme import readme_first_event
from tests.integration.webhook_support import Endpoint, endpoints_file, serving, until
from workers.doors.settings import host_port
from workers.stack.servers import free_port, port_is_free
from workflows.api import PathwayView
from workflows.names import QUERY_STATE

pytestmark = pytest.mark.integration

__all__ = ["start_dev"]  # the fixture (stack_command_support.py)


async def pathway_phase(settings: Settings, patient: str) -> str | None:
    """The phase the patient's pathway reports, once it exists and its worker has run it."""
    client = await connect_temporal(settings)
    key = patient_key(parse_identity(patient), settings.discharge_patient_key_secret.get_secret_value())
    handle = client.get_workflow_handle(workflow_id_for(key))
    for _ in range(100):
        with contextlib.suppress(RPCError):
            return str((await handle.query(QUERY_STATE, result_type=PathwayView)).phase)
        await asyncio.sleep(0.1)
    return None


def readme_door_commands(env: dict[str, str]) -> list[str]:
    """The README's curl of an admission and its MLLP one-liner, pointed at this stack."""
    root = Path(__file__).parents[2]
    readme = (root / "README.md").read_text()
    curl = readme.split("```sh\ncurl ", 1)[1].split("\n```", 1)[0]
    mllp = readme.split("```sh\npython3 -c ", 1)[1].split("\n```", 1)[0]
    commands = [
        "curl " + curl.replace("localhost:8090", env["DISCHARGE_HTTP_ADDRESS"]),
        "python3 -c "
        + mllp.replace('"localhost",2575', f'"127.0.0.1",{env["DISCHARGE_HL7_ADDRESS"].rpartition(":")[2]}'),
    ]
    return [
        command.replace(".data/", env["DISCHARGE_DATA_DIR"] + "/").replace("docs/hl7/", f"{root}/docs/hl7/")
        for command in commands
    ]


async def readmodel_pathways(data_dir: Path) -> int:
    store = ReadModel.from_settings(Settings(discharge_data_dir=data_dir)).create()
    try:
        for _ in range(100):
            if store.pathways():
                break
            await asyncio.sleep(0.1)
        return len(store.pathways())
    finally:
        store.close()


async def test_dev_runs_every_part_and_sigterm_leaves_no_process_and_no_port(
    tmp_path: Path, start_dev: Starter
) -> None:
    # The LMV unit has a webhook endpoint: `discharge webhooks` runs too, and POSTs its deliveries there.
    lmv_endpoint = Endpoint([204])
    webhooks_ops = f"127.0.0.1:{free_port()}"
    env = command_env(
        tmp_path / "data",
        DISCHARGE_WEBHOOKS_FILE=str(endpoints_file(tmp_path, {DEMO_LMV_UNIT: lmv_endpoint})),
        DISCHARGE_WEBHOOKS_HTTP_ADDRESS=webhooks_ops,
    )
    async with serving(lmv_endpoint):
        await dev_runs_every_part(env, start_dev, lmv_endpoint, tmp_path)
    assert port_is_free(*host_port(webhooks_ops))


async def dev_runs_every_part(
    env: dict[str, str], start_dev: Starter, lmv_endpoint: Endpoint, tmp_path: Path
) -> None:
    dev = await start_dev(env)
    pids = dev.pids()
    parts = {
        "worker",
        "gateway",
        "codec-server",
        "readmodel",
        "delivery",
        "web",
        "http",
        "hl7",
        "fhir",
        "webhooks",
    }
    assert set(pids) == {"temporal", "nats", "idp", *parts}
    ready = {record.get("part") for record in dev.logs if str(record.get("event")).endswith(" ready")}
    assert ready == {*parts, None}  # None: "stack ready"
    assert dev.process.stdout is not None
    banner = (await dev.process.stdout.readuntil(b"Ctrl-C stops everything.")).decode()
    assert f"http://127.0.0.1:{ports_of(env)[1]}" in banner
    assert f"Coordinators     http://127.0.0.1:{ports_of(env)[3]}" in banner
    assert "receivers        discharge receive --as <HSA-id>" in banner
    assert f"HTTP door        http://{env['DISCHARGE_HTTP_ADDRESS']}/events" in banner
    assert f"HL7 door (MLLP)  {env['DISCHARGE_HL7_ADDRESS']}" in banner
    assert f"{env['DISCHARGE_DATA_DIR']}/keys/http/<system>.token" in banner
    assert f"FHIR R4 (read)   http://{env['DISCHARGE_FHIR_ADDRESS']}/fhir/R4/EpisodeOfCare" in banner
    assert f"Webhooks out     to the endpoints in {env['DISCHARGE_WEBHOOKS_FILE']}" in banner
    # The README's first event, published as the README says, reaches its pathway through every part.
    code, stderr = await run_command("publish", env=env, stdin=readme_first_event().encode())
    assert code == 0, stderr
    settings = load_settings(
        temporal_address=env["TEMPORAL_ADDRESS"],
        nats_url=env["NATS_URL"],
        discharge_payload_keys_file=dev_ring_path(Path(env["DISCHARGE_DATA_DIR"])),  # the stack's own ring
    )
    assert await pathway_phase(settings, "19091231-9803") == "inpatient"
    # The README's curl and its one-line MLLP send, as a user runs them against this stack.
    for command in readme_door_commands(env):
        shell = await asyncio.create_subprocess_shell(command, stdout=asyncio.subprocess.PIPE)
        answer = (await shell.communicate())[0].decode()
        assert '{"accepted": ["curl-1"]}' in answer or "MSA|AA|HSH-A01-000123" in answer, answer
    # ... and its pathway_started reaches the read model's SQLite file in the data dir.
    assert await readmodel_pathways(tmp_path / "data") == 1
    # ... where `discharge fhir` answers who holds the patient, with the reader's development token.
    token = (tmp_path / "data" / "keys" / "http" / "fhir-reader.token").read_text().strip()
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as fhir:
        found = await fhir.get(
            f"http://{env['DISCHARGE_FHIR_ADDRESS']}/fhir/R4/EpisodeOfCare",
            params={"patient.identifier": "http://electronichealth.se/identifier/personnummer|19091231-9803"},
        )
    assert found.status_code == 200, found.text
    (episode,) = [e["resource"] for e in found.json()["entry"]]
    assert episode["status"] == "planned"  # in hospital, at the admitting unit, named by the demo's directory
    assert episode["managingOrganization"]["display"] == "Medicinavdelning 3, Hallands sjukhus Halmstad"
    # A high risk asks LMV for joint planning: delivered to the LMV unit, POSTed to its endpoint, signed.
    high_risk = example_event(
        "hospital.risk_assessed",
        patient="19091231-9803",
        event_id="risk-1",
        time=datetime(2026, 11, 20, 9, tzinfo=UTC),
        episode="first-episode",
    )
    code, stderr = await run_command("publish", env=env, stdin=json.dumps(high_risk).encode())
    assert code == 0, stderr
    await until(lambda: bool(lmv_endpoint.requests), 30)
    headers, body = lmv_endpoint.requests[0]
    assert Webhook(lmv_endpoint.secret).verify(body, headers)["type"] == "discharge.joint_planning_requested"
    dev.process.send_signal(signal.SIGTERM)
    assert await dev.finish() == 0
    assert all(process_gone(pid) for pid in pids.values())
    assert all(port_is_free("127.0.0.1", port) for port in ports_of(env))
    # The children logged in the supervisor's format, each line naming its part.
    components = {record.get("component") for record in dev.logs}
    assert {"supervisor", "worker", "gateway", "nats"} <= components


async def test_dev_names_a_child_that_dies_and_stops_everything(tmp_path: Path, start_dev: Starter) -> None:
    env = command_env(tmp_path / "data")
    dev = await start_dev(env)
    pids = dev.pids()
    os.kill(pids["gateway"], signal.SIGKILL)
    assert await dev.finish() == 1
    # (NATS may log the killed client's dropped connection as an error of its own first.)
    errors = [r for r in dev.logs if r.get("level") == "error" and r.get("component") == "supervisor"]
    assert errors[0]["event"] == "gateway exited unexpectedly; stopping the whole stack"
    assert errors[0]["exit_code"] == -signal.SIGKILL
    assert all(process_gone(pid) for pid in pids.values())
    assert all(port_is_free("127.0.0.1", port) for port in ports_of(env))


async def test_a_killed_supervisor_takes_its_children_with_it(tmp_path: Path, start_dev: Starter) -> None:
    env = command_env(tmp_path / "data")
    dev = await start_dev(env)
    pids = dev.pids()
    dev.process.kill()  # SIGKILL: no chance to clean up itself
    await dev.finish()
    # Each child now stops itself; give a loaded machine time (Temporal's own shutdown takes seconds).
    for _ in range(300):
        if all(process_gone(pid) for pid in pids.values()):
            break
        await asyncio.sleep(0.1)
    assert [part for part, pid in pids.items() if not process_gone(pid)] == []
    assert all(port_is_free("127.0.0.1", port) for port in ports_of(env))
