"""Temporal's remote codec protocol (POST ``/encode`` and ``/decode``) for the Temporal UI and CLI.

The UI calls this server from the browser with the history's payloads as JSON (``{"payloads": [...]}``,
protobuf's JSON form); we answer the same shape, decoded. The UI is another origin (another port), so
CORS names its exact origin and allows credentials: the sign-in cookie reaches us only then.

Nothing is decoded for a caller we cannot identify (401) or whose role may not read patient data (403),
and every decode is appended to the shared audit log first: who, which workflow (the UI's
``X-Namespace``, and the workflow when the request names it), which patient (the ``patient_key`` found
in the decoded payloads, never the identity), when. If the audit log cannot be written, nothing is
decoded.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import unquote

import structlog
from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.api.common.v1 import Payloads

from discharge.audit import AuditEntry, AuditLog
from discharge.codec import EncryptionCodec, PayloadDecryptError
from workers.codec_server.auth import DECODE_ROLES, Authenticator

_PATIENT_KEY = re.compile(rb'"patient_key"\s*:\s*"(pk_[0-9a-f]{32})"')
_WORKFLOW_IN_PATH = re.compile(r"/workflows/([^/?#]+)")
#: The most payloads one request may carry (a whole long history is a few hundred).
MAX_BODY_BYTES = 16 * 1024 * 1024


def _unauthorized() -> JSONResponse:
    return JSONResponse(
        {"error": "sign in first: our access token as cookie or bearer, or an OIDC access token"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _workflow_of(request: Request) -> str | None:
    """The workflow the UI is showing, when the request says (a header, or the page in ``Referer``)."""
    named = request.headers.get("x-workflow-id")
    if named:
        return named
    page = _WORKFLOW_IN_PATH.search(request.headers.get("referer", ""))
    return unquote(page.group(1)) if page else None


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

    async def decode(request: Request) -> Response:
        principal = await auth.principal(request)
        if principal is None:
            return _unauthorized()
        if principal.role not in DECODE_ROLES:
            return JSONResponse({"error": f"role {principal.role} may not read patient data"}, 403)
        payloads = await _payloads(request)
        if payloads is None:
            return JSONResponse({"error": 'expected {"payloads": [...]} (Temporal\'s codec protocol)'}, 400)
        try:
            decoded = await codec.decode(payloads.payloads)
        except PayloadDecryptError as error:
            return JSONResponse({"error": str(error)}, 400)
        keys = sorted({match.decode() for p in decoded for match in _PATIENT_KEY.findall(p.data)})
        namespace = request.headers.get("x-namespace")
        detail = f"namespace {namespace or '?'}; {len(decoded)} payload(s)"
        if len(keys) > 1:
            detail += "; patients " + " ".join(keys)
        entry = AuditEntry(
            actor=principal.hsa_id,
            role=principal.role,
            action="decode",
            patient_key=keys[0] if keys else None,
            workflow_id=_workflow_of(request),
            detail=detail,
        )
        await asyncio.to_thread(audit.append, entry)  # logged before anything is shown
        log.info("decoded for", actor=principal.hsa_id, role=principal.role, workflow_id=entry.workflow_id)
        return _json(Payloads(payloads=decoded))

    async def encode(request: Request) -> Response:
        if await auth.principal(request) is None:
            return _unauthorized()
        payloads = await _payloads(request)
        if payloads is None:
            return JSONResponse({"error": 'expected {"payloads": [...]} (Temporal\'s codec protocol)'}, 400)
        return _json(Payloads(payloads=await codec.encode(payloads.payloads)))

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
