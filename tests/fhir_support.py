"""The FHIR door over real HTTP on a free port, reading a real read model (SQLite in a temporary dir), and
the check that every resource it returns validates with ``fhir.resources``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.task import Task

from discharge.audit import AccessLog, AuditEntry
from discharge.bearer import SCOPE_FHIR_READ, dev_issuer_key, dev_verifier, issue_token
from discharge.readmodel.store import ReadModel
from workers.fhir.api import BASE_PATH, FhirApi

MODELS: dict[str, Any] = {
    "Bundle": Bundle,
    "CapabilityStatement": CapabilityStatement,
    "EpisodeOfCare": EpisodeOfCare,
    "OperationOutcome": OperationOutcome,
    "Task": Task,
}
READER = "test-fhir-reader"


def validate(resource: dict[str, Any]) -> None:
    """The resource, and each resource of a Bundle, as the maintained FHIR models read them."""
    MODELS[resource["resourceType"]].model_validate(resource)
    for entry in resource.get("entry", []):
        MODELS[entry["resource"]["resourceType"]].model_validate(entry["resource"])


@dataclass
class FhirDoor:
    base: str
    token: str
    store: ReadModel
    access_log: AccessLog
    http: httpx.AsyncClient

    async def get(self, path: str, token: str | None = "", **params: str) -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token or self.token}"}
        response = await self.http.get(f"{self.base}/{path}", params=params, headers=headers)
        assert response.headers["content-type"].startswith("application/fhir+json")
        validate(response.json())
        return response

    async def search(self, resource: str, **params: str) -> dict[str, Any]:
        response = await self.get(resource, **params)
        assert response.status_code == 200, response.text
        bundle: dict[str, Any] = response.json()
        assert bundle["type"] == "searchset"
        return bundle

    def audit(self) -> list[AuditEntry]:
        return list(self.access_log.entries())


@asynccontextmanager
async def serving_fhir(
    directory: Path, secret: str, lmv_unit: str | None = None, unit_names: dict[str, str] | None = None
) -> AsyncIterator[FhirDoor]:
    store = ReadModel(f"sqlite:///{directory / 'readmodel.db'}").create()
    access_log = AccessLog(directory / "audit.jsonl")
    api = FhirApi(
        dev_verifier(directory),
        store.engine,
        access_log,
        secret=secret,
        public_base=None,
        handover_accept_timeout=timedelta(days=2),
        lmv_unit=lmv_unit,
        unit_names=unit_names,
    )
    app = web.Application()
    api.add_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    token = issue_token(dev_issuer_key(directory), client_id=READER, scope=SCOPE_FHIR_READ)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            yield FhirDoor(f"http://127.0.0.1:{port}{BASE_PATH}", token, store, access_log, http)
    finally:
        await runner.cleanup()
        store.close()
