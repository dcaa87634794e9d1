"""The Temporal UI's codec server, running for real: 401 without sign-in, decoded and audited with it.

A pathway is started on a real Temporal server by a client of the product (payloads encrypted); its
history's payloads are then posted to the codec server exactly as the UI posts them.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from google.protobuf import json_format
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.api.common.v1 import Payloads
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import WorkflowSerializationContext
from temporalio.testing import WorkflowEnvironment

from discharge.audit import AuditLog
from discharge.codec import ENCODING, WORKFLOW_ID, EncryptionCodec
from discharge.keyring import read_ring
from discharge.principal import ACCESS_COOKIE, Principal
from discharge.sessions import SessionStore
from discharge.settings import Settings
from discharge.temporal_client import signal_with_start
from events.examples import example_event
from events.identity import parse_identity, patient_key, workflow_id_for
from events.inbound.parsing import parse_inbound
from workers.codec_server.service import codec_server
from workers.stack.servers import free_port
from workflows.actor import gateway_for
from workflows.api import PathwayEvent

pytestmark = pytest.mark.integration

SECRET = "codec-test-session-secret-0123456789abcdef"
PATIENT = "19091231-9803"
UI_ORIGIN = "http://127.0.0.1:18233"
CLIENT_ID = "discharge-codec"
#: The sessions the tokens below open, as the web page's sign-in opens them (the codec server reads them).
SESSIONS = SessionStore(Path(tempfile.mkdtemp(prefix="codec-sessions-")) / "sessions.db")
History = tuple[str, str, dict[str, Any]]  # patient_key, workflow id, the signal's payloads as JSON


async def serving(app: Any, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started
    return server, task


@dataclass
class Issuer:
    url: str
    key: RSAKey

    def token(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **claims}
        return jwt.encode({"alg": "RS256", "kid": "k1"}, body, self.key)


@pytest.fixture(scope="module")
async def issuer() -> AsyncIterator[Issuer]:
    """A real OIDC issuer's discovery document and JWKS over HTTP (only what token verification reads)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})

    async def discovery(request: Request) -> JSONResponse:
        return JSONResponse({"issuer": url, "jwks_uri": f"{url}/jwks"})

    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse(KeySet([key]).as_dict(private=False))

    app = Starlette(routes=[Route("/.well-known/openid-configuration", discovery), Route("/jwks", jwks)])
    server, task = await serving(app, port)
    yield Issuer(url, key)
    server.should_exit = True
    await task


@dataclass
class Codec:
    url: str
    audit: AuditLog


@pytest.fixture
async def codec(tmp_path: Path, issuer: Issuer) -> AsyncIterator[Codec]:
    port = free_port()
    settings = Settings(
        discharge_codec_address=f"127.0.0.1:{port}",
        discharge_codec_ui_origins=UI_ORIGIN,
        discharge_audit_log=tmp_path / "audit.jsonl",
        discharge_session_secret=SECRET,
        discharge_session_store=SESSIONS.path,
        discharge_oidc_issuer=issuer.url,
        discharge_oidc_client_id=CLIENT_ID,
    )
    server = codec_server(settings)
    task = asyncio.create_task(server.serve())
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    yield Codec(f"http://127.0.0.1:{port}", AuditLog(settings.audit_log_path))
    server.should_exit = True
    await task


@pytest.fixture
async def history_payloads(
    temporal_env: WorkflowEnvironment,
) -> AsyncIterator[tuple[str, str, dict[str, Any]]]:
    """A pathway opened by a client of the product; its signal's payloads as the UI sends them."""
    secret = f"codec-{uuid.uuid4()}"
    key = patient_key(parse_identity(PATIENT), secret)
    event = parse_inbound(
        json.dumps(example_event("hospital.patient_admitted", patient=PATIENT)), now=datetime.now(UTC)
    )
    handle = await signal_with_start(
        temporal_env.client,
        f"codec-{uuid.uuid4()}",
        PathwayEvent(patient_key=key, event=event, actor=gateway_for(event.type)),
    )
    history = await handle.fetch_history()
    signalled = next(e for e in history.events if e.HasField("workflow_execution_signaled_event_attributes"))
    payloads = signalled.workflow_execution_signaled_event_attributes.input
    # What Temporal stores and shows without the codec: encrypted, no identity in any form.
    raw = history.to_json()
    assert PATIENT not in raw and PATIENT.replace("-", "") not in raw
    assert all(p.metadata["encoding"] == ENCODING for p in payloads.payloads)
    # Sealed for their workflow by the SDK's serialization context (what the codec server attributes by).
    assert all(p.metadata[WORKFLOW_ID] == handle.id.encode() for p in payloads.payloads)
    yield key, handle.id, json_format.MessageToDict(payloads)
    await handle.terminate("test done")


def token(role: str, hsa_id: str = "SE2321000131-P000000000789") -> str:
    return SESSIONS.open(Principal(hsa_id=hsa_id, name="Test", role=role), SECRET, 600)


async def test_without_credentials_401_and_nothing_is_decoded_or_logged(
    codec: Codec, history_payloads: History
) -> None:
    _, _, body = history_payloads
    async with httpx.AsyncClient() as http:
        for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Cookie": f"{ACCESS_COOKIE}=forged"}):
            answer = await http.post(f"{codec.url}/decode", json=body, headers=headers)
            assert answer.status_code == 401
            assert PATIENT.replace("-", "") not in answer.text
        assert (await http.post(f"{codec.url}/encode", json=body)).status_code == 401
    assert list(codec.audit.entries()) == []


async def test_a_signed_in_coordinator_reads_the_history_and_the_access_is_audited(
    codec: Codec, history_payloads: History
) -> None:
    key, workflow, body = history_payloads
    headers = {
        "Cookie": f"{ACCESS_COOKIE}={token('coordinator')}",  # the web page's sign-in cookie, same host
        "Origin": UI_ORIGIN,
        "X-Namespace": "default",
        "Referer": f"{UI_ORIGIN}/namespaces/default/workflows/{workflow}/run/history",
    }
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{codec.url}/decode", json=body, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == UI_ORIGIN
    assert answer.headers["access-control-allow-credentials"] == "true"
    decoded = json_format.ParseDict(answer.json(), Payloads())
    assert json.loads(decoded.payloads[0].data)["event"]["data"]["patient"]["id"] == PATIENT.replace("-", "")
    [entry] = codec.audit.entries()
    assert (entry.actor, entry.role, entry.action) == ("SE2321000131-P000000000789", "coordinator", "decode")
    assert entry.patient_key == key and entry.workflow_id == workflow == workflow_id_for(key)
    assert entry.detail is not None and "namespace default" in entry.detail
    assert (datetime.now(UTC) - entry.at).total_seconds() < 60
    assert PATIENT.replace("-", "") not in codec.audit.path.read_text()


async def test_ops_with_the_printed_bearer_token_decodes_lmv_staff_may_not(
    codec: Codec, history_payloads: History
) -> None:
    _, _, body = history_payloads
    async with httpx.AsyncClient() as http:
        ops = await http.post(
            f"{codec.url}/decode", json=body, headers={"Authorization": f"Bearer {token('ops')}"}
        )
        for _ in range(3):  # the page's many requests: one refused look
            lmv = await http.post(
                f"{codec.url}/decode", json=body, headers={"Authorization": f"Bearer {token('lmv')}"}
            )
    assert ops.status_code == 200 and lmv.status_code == 403
    # The refused look is in the log too, as refused.
    assert [(entry.role, entry.result) for entry in codec.audit.entries()] == [
        ("ops", "granted"),
        ("lmv", "refused"),
    ]


async def test_an_oidc_access_token_of_the_issuer_is_accepted_with_the_right_audience(
    codec: Codec, issuer: Issuer, history_payloads: History
) -> None:
    _, _, body = history_payloads
    good = issuer.token(sub="u1", hsa_id="SE2321000131-P000000000111", name="Ops Person", role="ops")
    wrong_audience = issuer.token(sub="u1", role="ops", aud="another-client")
    foreign = jwt.encode(
        {"alg": "RS256", "kid": "k1"}, jwt.decode(good, issuer.key).claims, RSAKey.generate_key(2048)
    )
    async with httpx.AsyncClient() as http:
        answers = [
            await http.post(f"{codec.url}/decode", json=body, headers={"Authorization": f"Bearer {t}"})
            for t in (good, wrong_audience, foreign)
        ]
    assert [a.status_code for a in answers] == [200, 401, 401]
    assert [entry.actor for entry in codec.audit.entries()] == ["SE2321000131-P000000000111"]


async def test_cors_names_only_the_uis_origin(codec: Codec) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace",
    }
    async with httpx.AsyncClient() as http:
        ours = await http.options(f"{codec.url}/decode", headers={"Origin": UI_ORIGIN, **preflight})
        theirs = await http.options(
            f"{codec.url}/decode", headers={"Origin": "http://evil.example", **preflight}
        )
    assert ours.status_code == 200 and ours.headers["access-control-allow-origin"] == UI_ORIGIN
    assert ours.headers["access-control-allow-credentials"] == "true"
    assert theirs.headers.get("access-control-allow-origin") != "http://evil.example"


async def test_a_decode_is_logged_with_the_pathway_it_reads_even_when_the_headers_name_another(
    codec: Codec, history_payloads: History
) -> None:
    """The review's probe: the logged workflow was whatever ``X-Workflow-Id`` said. Here the headers name
    another pathway, and one payload (the identity query's answer) holds no patient_key at all: the line
    names the pathway the payloads were sealed for."""
    key, workflow, body = history_payloads
    liar = workflow_id_for("pk_" + "0" * 32)
    ring = read_ring(Path(os.environ["DISCHARGE_PAYLOAD_KEYS_FILE"]))
    sealed_for = EncryptionCodec(ring).with_context(WorkflowSerializationContext("default", workflow))
    [identity_answer] = await sealed_for.encode((await pydantic_data_converter.encode([PATIENT]))[:1])
    headers = {
        "Authorization": f"Bearer {token('coordinator')}",
        "X-Workflow-Id": liar,
        "Referer": f"{UI_ORIGIN}/namespaces/default/workflows/{liar}/run/history",
    }
    only_identity = json_format.MessageToDict(Payloads(payloads=[identity_answer]))
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{codec.url}/decode", json=only_identity, headers=headers)
        assert answer.status_code == 200
        # The rest of the same look (the history's other requests) is covered by the first line.
        for _ in range(5):
            assert (await http.post(f"{codec.url}/decode", json=body, headers=headers)).status_code == 200
    [entry] = codec.audit.entries()
    assert entry.patient_key == key and entry.workflow_id == workflow != liar
    assert entry.origin == "codec-server 127.0.0.1"


async def test_nobody_gets_a_payload_sealed_the_codec_server_does_not_encode(
    codec: Codec, history_payloads: History
) -> None:
    """A sealed payload is what the worker accepts as an update: the codec server would otherwise turn any
    sign-in plus Temporal access into a decision."""
    _, _, body = history_payloads
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{codec.url}/encode", json=body, headers={"Authorization": f"Bearer {token('coordinator')}"}
        )
    assert answer.status_code == 403 and "payloads" not in answer.text
    [entry] = codec.audit.entries()
    assert (entry.action, entry.result, entry.activity) == ("encode", "refused", "Skriva")
