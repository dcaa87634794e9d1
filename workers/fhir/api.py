"""The FHIR door's routes under ``/fhir/R4``: ``metadata`` (no token), ``EpisodeOfCare`` and ``Task``
searches.

A search is answered in this order: the token (401 without a valid one, 403 without the resource's scope),
the parameters (400 with the reason), the access log (one line per patient the answer shows, before the
answer; no line, no answer), then the searchset Bundle. The read model is synchronous SQLAlchemy: each query
runs in a thread, so a slow database holds no other request.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta
from typing import Any

import structlog
from aiohttp import web
from prometheus_client import Counter, Histogram
from sqlalchemy.engine import Engine

from discharge.audit import AccessLog
from discharge.bearer import BearerVerifier, Caller, TokenRefused
from workers.fhir import queries
from workers.fhir.answers import fhir_response, outcome, searchset
from workers.fhir.capability import capability_statement
from workers.fhir.resources import episode_of_care, task
from workers.fhir.search import BadSearch, Criteria, Resource, parse_search

BASE_PATH = "/fhir/R4"
log = structlog.get_logger(component="fhir")

FHIR_ANSWERS = Counter("discharge_fhir_answers", "Answers of the FHIR door", ["resource", "status"])
FHIR_SECONDS = Histogram(
    "discharge_fhir_search_seconds",
    "Time to answer a FHIR search (token to body)",
    ["resource"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
_CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def may_search(scopes: frozenset[str], resource: str) -> bool:
    """SMART system scopes: v2 ``system/<type or *>.<cruds>`` with ``s``, or v1 ``system/<type>.read``."""
    pattern = re.compile(rf"^system/({resource}|\*)\.(read|c?r?u?d?s)$")
    return any(pattern.match(scope) for scope in scopes)


class FhirApi:
    def __init__(
        self,
        verifier: BearerVerifier,
        engine: Engine,
        access_log: AccessLog,
        *,
        secret: str,
        public_base: str | None,
        handover_accept_timeout: timedelta,
        unit_names: dict[str, str] | None = None,
        lmv_unit: str | None = None,
    ) -> None:
        self._verifier = verifier
        self._engine = engine
        self._access_log = access_log
        self._secret = secret
        self._public_base = public_base
        self._handover_accept_timeout = handover_accept_timeout
        self._names = unit_names or {}
        #: The region's LMV unit (DISCHARGE_LMV_UNIT): LMV's part when no unit confirmed planning by name,
        #: as deliveries to LMV fall back to it.
        self._lmv_unit = lmv_unit

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(f"{BASE_PATH}/metadata", self.metadata)
        app.router.add_get(f"{BASE_PATH}/EpisodeOfCare", self.episodes)
        app.router.add_get(f"{BASE_PATH}/Task", self.tasks)
        # FHIR's POST search: the parameters in a form body keep a personnummer out of URLs (proxies' logs).
        app.router.add_post(f"{BASE_PATH}/EpisodeOfCare/_search", self.episodes)
        app.router.add_post(f"{BASE_PATH}/Task/_search", self.tasks)
        app.router.add_route("*", BASE_PATH + "/{rest:.*}", self.unsupported)

    async def unsupported(self, request: web.Request) -> web.Response:
        """Every other resource, operation or method: an OperationOutcome, as FHIR clients expect."""
        if request.method != "GET":
            return outcome(405, "not-supported", "this server is read-only: GET (search) only")
        return outcome(404, "not-supported", "supported: metadata, EpisodeOfCare and Task searches")

    def _base(self, request: web.Request) -> str:
        return self._public_base or f"{request.scheme}://{request.host}{BASE_PATH}"

    async def metadata(self, request: web.Request) -> web.Response:
        return fhir_response(capability_statement(self._base(request)))

    async def episodes(self, request: web.Request) -> web.Response:
        return await self._search(request, "EpisodeOfCare")

    async def tasks(self, request: web.Request) -> web.Response:
        return await self._search(request, "Task")

    async def _search(self, request: web.Request, resource: Resource) -> web.Response:
        started = time.perf_counter()
        try:
            response = await self._answer(request, resource)
        except Exception as error:  # a bug or a database away: still an OperationOutcome
            # The kind only: a validation error's text would quote the resource, identifier and all.
            log.error("fhir search failed", resource=resource, error=type(error).__name__)
            response = outcome(500, "exception", "the search could not be answered; try again later")
        FHIR_ANSWERS.labels(resource, str(response.status)).inc()
        FHIR_SECONDS.labels(resource).observe(time.perf_counter() - started)
        return response

    async def _answer(self, request: web.Request, resource: Resource) -> web.Response:
        try:
            caller = await self._verifier.verify(
                request.headers.get("Authorization"), scope="", need_system=False
            )
        except TokenRefused as refused:
            log.info("fhir request refused", status=401, reason=refused.reason)
            return outcome(401, "login", refused.reason, _CHALLENGE)
        if not may_search(caller.scopes, resource):
            return outcome(403, "forbidden", f"the token lacks the scope system/{resource}.rs")
        query = list(request.query.items())
        if request.method == "POST":
            if request.content_type != "application/x-www-form-urlencoded":
                return outcome(415, "not-supported", "a POST search sends application/x-www-form-urlencoded")
            form = await request.post()
            query += [(name, value) for name, value in form.items() if isinstance(value, str)]
        try:
            criteria = parse_search(resource, query, self._secret)
        except BadSearch as bad:
            return outcome(400, bad.code, str(bad))
        rows, total = await asyncio.to_thread(
            queries.episodes if resource == "EpisodeOfCare" else queries.tasks, self._engine, criteria
        )
        try:
            await asyncio.to_thread(self._audit, caller, criteria, rows, request.remote)
        except OSError as error:
            log.error("access log not written: nothing answered", error=type(error).__name__)
            return outcome(503, "transient", "the access log could not be written; try again")
        entries = [self._resource(resource, row, criteria) for row in rows]
        return fhir_response(searchset(self._base(request), resource, query, criteria, total, entries))

    def _resource(self, resource: Resource, row: dict[str, Any], criteria: Criteria) -> dict[str, Any]:
        if resource == "EpisodeOfCare":
            if row["lmv_unit"] is None and row["support_ends_at"] is not None:
                row = {**row, "lmv_unit": self._lmv_unit}
            return episode_of_care(row, self._names, criteria.identifier)
        return task(row, self._names, self._handover_accept_timeout, criteria.identifier)

    def _audit(self, caller: Caller, c: Criteria, rows: list[dict[str, Any]], remote: str | None) -> None:
        """A search by identity is one line with the patient's key, even when nothing is found; any other
        search one line per patient its page shows."""
        origin = f"fhir {remote or '-'}"
        if c.patient_key is not None:
            keys: list[str | None] = [c.patient_key]
            action = "search_identity"
        else:
            keys = list(dict.fromkeys(row["patient_key"] for row in rows))
            action = "search"
        if keys:  # one fsync for the whole page
            self._access_log.record_many(
                keys,
                actor=caller.client_id,
                role="system",
                action=action,
                origin=origin,
                detail=f"FHIR {c.resource} search",
            )
