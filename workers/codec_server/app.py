"""Temporal's remote codec protocol (POST ``/encode`` and ``/decode``) for the Temporal UI and CLI.

The UI calls this server from the browser with the history's payloads as JSON (``{"payloads": [...]}``,
protobuf's JSON form); we answer the same shape, decoded. The UI is another origin (another port), so
CORS names its exact origin and allows credentials: the sign-in cookie reaches us only then.

Nothing is decoded for a caller we cannot identify (401); a caller whose role may not read patient data
gets 403 and a "refused" line. A decode is in the access log before its answer: who, their unit, from
where, and which pathway, taken from the payloads themselves, never from a header the caller writes
(``X-Workflow-Id`` and ``Referer`` are ignored): the workflow each payload was sealed for (its
authenticated ``WORKFLOW_ID``, discharge/codec.py) and any ``patient_key`` inside the decoded data.
One line per look, not per request (workers/codec_server/looks.py). If the line cannot be written,
nothing is decoded.
"""

from __future__ import annotations

import asyncio
import re

import structlog
from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.api.common.v1 import Payload, Payloads

from discharge.audit import READ, WRITE, AuditLog
from discharge.codec import EncryptionCodec, PayloadDecryptError
from discharge.principal import Principal
from workers.codec_server.auth import DECODE_ROLES, Authenticator
from workers.codec_server.looks import Looks

_PATIENT_KEY = re.compile(rb'"patient_key"\s*:\s*"(pk_[0-9a-f]{32})"')
_PATHWAY = re.compile(r"pathway-(pk_[0-9a-f]{32})")
#: The most payloads one request may carry (a whole long history is a few hundred).
MAX_BODY_BYTES = 16 * 1024 * 1024


def _unauthorized() -> JSONResponse:
    return JSONResponse(
        {"error": "sign in first: our access token as cookie or bearer, or an OIDC access token"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def patients_in(codec: EncryptionCodec, payloads: Payloads) -> tuple[list[Payload], list[str]]:
    """The payloads decoded, and the patient keys they belong to: the pathway each was sealed for, and
    any ``patient_key`` in the decoded data. Raises ``PayloadDecryptError`` for an altered payload."""
    opened = [codec.opened(payload) for payload in payloads.payloads]
    keys = {match.decode() for payload, _ in opened for match in _PATIENT_KEY.findall(payload.data)}
    for _, workflow_id in opened:
        pathway = _PATHWAY.fullmatch(workflow_id or "")
        if pathway:
            keys.add(pathway.group(1))
    return [payload for payload, _ in opened], sorted(keys)


def _origin(request: Request) -> str:
    return f"codec-server {request.client.host if request.client else '?'}"


async def _payloads(request: Request) -> Payloads | None:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return None
    try:
        return json_format.Parse(body, Payloads(), ignore_unknown_fields=True)
    except json_format.ParseError:
        return None


def _json(payloads: Payloads) -> Response:
    return Response(json_format.MessageToJson(payloads), media_type="application/json")


def build_app(
    codec: EncryptionCodec, auth: Authenticator, audit: AuditLog, ui_origins: list[str]
) -> Starlette:
    log = structlog.get_logger().bind(component="codec-server")

    looks, refusals = Looks(), Looks()

    async def record(
        principal: Principal,
        request: Request,
        keys: list[str | None],
        granted: bool,
        detail: str,
        action: str = "decode",
    ) -> None:
        for key in keys:
            await asyncio.to_thread(
                audit.record,
                actor=principal.hsa_id,
                role=principal.role,
                unit=principal.unit,
                action=action,
                activity=WRITE if action == "encode" else READ,
                patient_key=key,
                result="granted" if granted else "refused",
                origin=_origin(request),
                detail=detail,
            )

    async def decode(request: Request) -> Response:
        principal = await auth.principal(request)
        if principal is None:
            return _unauthorized()
        payloads = await _payloads(request)
        if payloads is None:
            return JSONResponse({"error": 'expected {"payloads": [...]} (Temporal\'s codec protocol)'}, 400)
        try:
            decoded, keys = patients_in(codec, payloads)
        except PayloadDecryptError as error:
            return JSONResponse({"error": str(error)}, 400)
        namespace = request.headers.get("x-namespace")
        detail = f"namespace {namespace or '?'}; {len(decoded)} payload(s)"
        patients: list[str | None] = list(keys) or [None]
        if principal.role not in DECODE_ROLES:
            # A refused look is one line too, not one per request of the page.
            refused = refusals.new(principal.hsa_id, patients)
            await record(principal, request, refused, False, detail + f"; role {principal.role}")
            return JSONResponse({"error": f"role {principal.role} may not read patient data"}, 403)
        fresh = looks.new(principal.hsa_id, patients)
        try:
            await record(principal, request, fresh, True, detail)  # logged before anything is shown
        except OSError:
            looks.forget(principal.hsa_id, fresh)
            log.error("access log not writable: nothing decoded", actor=principal.hsa_id)
            return JSONResponse({"error": "the access log cannot be written: nothing decoded"}, 503)
        log.info("decoded for", actor=principal.hsa_id, role=principal.role, patient_keys=keys)
        return _json(Payloads(payloads=decoded))

    async def encode(request: Request) -> Response:
        # Sealing is writing: a sealed payload is what the worker accepts as an update or a signal. Anyone
        # signed in could otherwise turn Temporal access into a decision (the review's probe). People act
        # through the web page and the CLI, which name them; the UI's write actions are off
        # (docs/operations.md), so the codec server seals nothing, and says so in the access log.
        principal = await auth.principal(request)
        if principal is None:
            return _unauthorized()
        await record(principal, request, [None], False, "the codec server seals nothing", "encode")
        return JSONResponse(
            {"error": "the codec server does not encode: act through the web page or the CLI"}, 403
        )

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/decode", decode, methods=["POST"]),
            Route("/encode", encode, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=ui_origins,
                allow_credentials=True,
                allow_methods=["POST", "GET", "OPTIONS"],
                allow_headers=["content-type", "authorization", "x-namespace", "x-workflow-id"],
                max_age=600,
            )
        ],
    )
