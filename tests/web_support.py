"""The coordinators' web page for tests: the real dev OIDC provider, the real workflow, a real server.

Session-scoped (one provider, one worker, one web server for every web test): the provider runs as
`discharge dev` runs it (``python -m workers.web.dev_idp``, a child process), the web page is the real
Starlette app under uvicorn in the tests' event loop, and its pathways are the real PatientPathway on the
session's Temporal dev server, driven by inbound events through signal-with-start as the gateway does.
Each test module seeds its own patients (``seed``), so modules never decide on each other's pathways.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from discharge.temporal_client import signal_with_start
from events.cloudevent import cloudevent
from events.identity import luhn_check_digit, resolve_patient, workflow_id_for
from events.inbound.parsing import parse_inbound
from events.outbound.event import OutboundEvent
from events.streams import ensure_streams
from tests.servers import start_nats
from workers.gateway.consumer import build_gateway
from workers.gateway.service import temporal_delivery
from workers.stack.servers import free_port, wait_for_tcp
from workers.stack.web import DEMO_UNIT_DIRECTORY
from workers.web.app import build_app
from workers.web.dev_idp import DEV_CLIENT_ID, DEV_CLIENT_SECRET
from workers.worker import build_worker
from workflows.actor import gateway_for
from workflows.api import PathwayEvent, PathwayView
from workflows.names import QUERY_STATE

RUN = uuid.uuid4().hex[:8]
SECRET = f"web-test-secret-{RUN}"
TASK_QUEUE = f"web-test-{RUN}"
HOSPITAL = "urn:hsa:SE2321000131-E000000000001"
PAL = "SE2321000131-E000000000011"
VC_CENTRUM = "SE2321000131-E000000000101"  # the dev VC physician's unit
VC_ANDERSBERG = "SE2321000131-E000000000102"


def personnummer(birth: str, serial: str) -> str:
    return f"{birth}-{serial}{luhn_check_digit((birth + serial)[2:])}"


def key_of(identity: str) -> str:
    return resolve_patient(identity, SECRET)


class Recorder:
    def __init__(self) -> None:
        self.events: list[OutboundEvent] = []

    async def publish(self, event: OutboundEvent) -> None:
        self.events.append(event)


@dataclass
class IdP:
    process: asyncio.subprocess.Process
    issuer: str


@pytest.fixture(scope="session")
async def dev_idp() -> AsyncIterator[IdP]:
    """The development OpenID provider, started as `discharge dev` starts it."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workers.web.dev_idp", "--host", "127.0.0.1", "--port", str(port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await wait_for_tcp("127.0.0.1", port, 30)
        yield IdP(process, f"http://127.0.0.1:{port}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        await asyncio.wait_for(process.wait(), 10)


@dataclass
class Site:
    url: str
    client: Client
    settings: Settings
    audit_path: Path
    recorder: Recorder


@pytest.fixture(scope="session")
async def web_site(
    temporal_env: WorkflowEnvironment, dev_idp: IdP, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Site]:
    """The web page on a free port, signed in through the dev IdP, with a worker running pathways, and
    a nats-server and gateway of its own: the physicians' actions are stored for the gateway, as a door's."""
    port = free_port()
    audit_path = tmp_path_factory.mktemp("web") / "audit.jsonl"
    nats = await start_nats(audit_path.parent)
    settings = Settings(
        nats_url=nats.url,
        temporal_task_queue=TASK_QUEUE,
        discharge_patient_key_secret=SECRET,
        discharge_late_event_grace=timedelta(seconds=1),
        discharge_web_address=f"127.0.0.1:{port}",
        discharge_oidc_issuer=dev_idp.issuer,
        discharge_oidc_client_id=DEV_CLIENT_ID,
        discharge_oidc_client_secret=DEV_CLIENT_SECRET,
        discharge_audit_log=audit_path,
        discharge_session_store=audit_path.parent / "sessions.db",
        discharge_notification_store=audit_path.parent / "notifications.db",
        discharge_readmodel_url=f"sqlite:///{audit_path.parent / 'readmodel.db'}",
        discharge_development=True,
        discharge_unit_directory=DEMO_UNIT_DIRECTORY,  # units and people by name, as `discharge dev` shows
    )
    client = temporal_env.client
    recorder = Recorder()
    app = build_app(settings, client, show_dev_users=True)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    serving = asyncio.create_task(server.serve())
    connection = await connect_nats(settings, retry_forever=False)
    await ensure_streams(connection.jetstream())
    await connection.close()
    _, gateway = build_gateway(settings, temporal_delivery(client, TASK_QUEUE))
    await gateway.start()
    async with build_worker(client, settings, recorder):
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        assert server.started, "the web server did not start"
        yield Site(f"http://127.0.0.1:{port}", client, settings, audit_path, recorder)
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
    await gateway.stop()
    await nats.stop()


# ---- patients ---------------------------------------------------------------------------------------


def _event(identity: str, number: int, type_: str, at: datetime, **data: Any) -> PathwayEvent:
    document = cloudevent(
        id=f"web-{RUN}-{identity[-4:]}-{number}",
        source=HOSPITAL,
        type=type_,
        time=at,
        data={"patient": {"id": identity}, **data},
    )
    event = parse_inbound(json.dumps(document))
    return PathwayEvent(patient_key=key_of(identity), event=event, actor=gateway_for(event.type))


def stay(identity: str, level: str | None, discharged_days_ago: int | None, vc: str) -> list[PathwayEvent]:
    """An admission 5 days before discharge, a risk assessment (if ``level``), a discharge (if days)."""
    now = datetime.now(UTC).replace(microsecond=0)
    discharged = now - timedelta(days=discharged_days_ago or 0)
    episode = {"episode_id": f"HS-{RUN}-{identity[-4:]}"}
    events = [
        _event(identity, 1, "hospital.patient_admitted", discharged - timedelta(days=5), **episode,
               unit="SE2321000131-E000000000010", admission="unplanned", listed_vardcentral=vc),
    ]  # fmt: skip
    if level is not None:
        events.append(
            _event(identity, 2, "hospital.risk_assessed", discharged - timedelta(days=4), **episode,
                   level=level, assessed_by=PAL)
        )  # fmt: skip
    if discharged_days_ago is not None:
        events.append(
            _event(identity, 3, "hospital.patient_discharged", discharged, **episode, home_type="own_home")
        )
    return events


async def state_of(client: Client, identity: str) -> PathwayView:
    handle = client.get_workflow_handle(workflow_id_for(key_of(identity)))
    view: PathwayView = await handle.query(QUERY_STATE, result_type=PathwayView)
    return view


async def eventually(
    probe: Callable[[], Awaitable[Any]], check: Callable[[Any], bool], tries: int = 150
) -> Any:
    """Poll (bounded) until ``check`` holds: workflows and visibility catch up asynchronously."""
    value = None
    for _ in range(tries):
        with contextlib.suppress(Exception):
            value = await probe()
            if check(value):
                return value
        await asyncio.sleep(0.1)
    return value


async def seed(
    site: Site,
    stays: dict[str, tuple[str | None, int | None, str]],
    ready: dict[str, Callable[[PathwayView], bool]],
) -> None:
    """Start each patient's pathway from its stay and wait until ``ready`` holds for it."""
    for identity, (level, days, vc) in stays.items():
        for event in stay(identity, level, days, vc):
            await signal_with_start(site.client, TASK_QUEUE, event)
    for identity, check in ready.items():
        view = await eventually(functools.partial(state_of, site.client, identity), check)
        assert view is not None and check(view), f"pathway of {identity[-4:]} not ready: {view}"


async def visible(site: Site, keys: list[str]) -> None:
    """Wait until visibility lists every key (listings read search attributes, which lag a little)."""
    query = " OR ".join(f"PatientKey = '{key}'" for key in keys)

    async def count() -> int:
        return len(
            [e async for e in site.client.list_workflows(f"ExecutionStatus = 'Running' AND ({query})")]
        )

    assert await eventually(count, lambda n: n == len(keys)) == len(keys)


async def finish(site: Site, identities: list[str]) -> None:
    for identity in identities:
        with contextlib.suppress(Exception):
            await site.client.get_workflow_handle(workflow_id_for(key_of(identity))).terminate(
                "test finished"
            )


# ---- signing in over HTTP ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def signed_in(site: Site, hsa_id: str) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client that went through the real code flow at the dev IdP as the user ``hsa_id``."""
    async with httpx2.AsyncClient(follow_redirects=False, timeout=20) as http:
        await _sign_in(site, http, hsa_id)
        yield http


async def _sign_in(site: Site, http: httpx2.AsyncClient, hsa_id: str) -> None:
    start = await http.get(f"{site.url}/auth/login?next=/")
    assert start.status_code in (302, 303, 307), start.text
    authorize = start.headers["location"]
    chosen = await http.post(authorize, data={"sub": hsa_id})
    assert chosen.status_code in (302, 303), chosen.text
    callback = await http.get(chosen.headers["location"])
    assert callback.status_code == 303, callback.text
    assert callback.headers["location"] == "/"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)
