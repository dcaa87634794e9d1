"""``POST /events``: who sends (bearer token), how much (size, rate, concurrency), what (the binding and the
gateway's validation), and the answer only once every event is stored (``202 {"accepted": [ids]}``).

The order of the checks is the order of cost: the token before the body is read, the size before it is
parsed, every event validated before any is stored. A request with one bad event stores none (``400``),
so a sender fixes it and sends the same request again; a re-send of what was stored is stored once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import structlog
from aiohttp import web
from aiolimiter import AsyncLimiter
from nats.js import JetStreamContext
from prometheus_client import Counter

from discharge.bearer import SCOPE_SEND_EVENTS, BearerVerifier, TokenRefused
from events.batch import ReadyEvent
from events.bounds import MAX_EVENT_BYTES
from events.inbound.parsing import InvalidEvent
from workers.doors.intake import count_refused, read_event, store
from workers.gateway.settlement import unreadable
from workers.http.binding import UnsupportedMedia, event_bodies
from workers.http.problems import problem

log = structlog.get_logger(component="http")

HTTP_ANSWERS = Counter("discharge_http_answers", "Answers of POST /events, by status code", ["status"])
#: A batch may be larger than one event, but no larger than this (the contract's 413 bound is 64 KiB).
MAX_REQUEST_BYTES = MAX_EVENT_BYTES
#: A sender must deliver its body within this (a slow sender must not hold a slot for ever).
BODY_TIMEOUT = 10.0
#: How long a request waits for one of the concurrency slots before it is answered 503.
QUEUE_TIMEOUT = 2.0


class TooLarge(Exception):
    pass


async def read_bounded(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge
    chunks, size = [], 0
    async with asyncio.timeout(BODY_TIMEOUT):
        while chunk := await request.content.read(16 * 1024):
            size += len(chunk)
            if size > limit:
                raise TooLarge
            chunks.append(chunk)
    return b"".join(chunks)


class EventsDoor:
    def __init__(
        self,
        verifier: BearerVerifier,
        jetstream: Callable[[], JetStreamContext],
        *,
        future_tolerance: timedelta,
        max_concurrency: int,
        rate: float,
    ) -> None:
        self._verifier = verifier
        self._jetstream = jetstream
        self._future_tolerance = future_tolerance
        self._slots = asyncio.Semaphore(max_concurrency)
        self._rate = rate
        self._limiters: dict[str, AsyncLimiter] = {}

    async def handle(self, request: web.Request) -> web.Response:
        response = await self._answer(request)
        HTTP_ANSWERS.labels(str(response.status)).inc()
        return response

    async def _answer(self, request: web.Request) -> web.Response:
        try:
            caller = await self._verifier.verify(
                request.headers.get("Authorization"), scope=SCOPE_SEND_EVENTS, need_system=True
            )
        except TokenRefused as refused:
            log.info("http request refused", status=401, reason=refused.reason)
            challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            return problem(401, "unauthorized", refused.reason, headers=challenge)
        assert caller.system is not None
        try:
            async with asyncio.timeout(QUEUE_TIMEOUT):
                await self._slots.acquire()
        except TimeoutError:
            return problem(
                503, "busy", "every slot is taken; try again shortly", headers={"Retry-After": "1"}
            )
        try:
            return await self._within_slot(request, caller.system)
        finally:
            self._slots.release()

    async def _within_slot(self, request: web.Request, system: str) -> web.Response:
        try:
            body = await read_bounded(request, MAX_REQUEST_BYTES)
        except TooLarge:
            return problem(413, "too_large", f"a request may carry at most {MAX_REQUEST_BYTES} bytes")
        except TimeoutError:
            return problem(400, "incomplete", f"the body did not arrive within {BODY_TIMEOUT:.0f} s")
        try:
            bodies = event_bodies(request.headers, body)
        except UnsupportedMedia as unsupported:
            return problem(415, "unsupported_media_type", str(unsupported))
        except InvalidEvent as invalid:
            count_refused("http")
            return problem(400, invalid.kind, invalid.reason)
        except Exception as error:  # whatever else hostile input breaks in the binding is the input's fault
            count_refused("http")
            return problem(400, "schema_violation", unreadable(error))
        ready, errors = self._validated(bodies)
        if errors:
            kind = errors[0][0]
            reasons = [reason for _, reason in errors]
            return problem(400, kind, reasons[0], errors=reasons if len(bodies) > 1 else None)
        foreign = [item for item in ready if item.event.type.split(".", 1)[0] != system]
        if foreign:
            for item in foreign:
                count_refused("http", item.event.type)
            return problem(
                403, "forbidden_type", f"a {system} system sends only {system}.* types; nothing was stored"
            )
        limiter = self._limiters.setdefault(system, AsyncLimiter(self._rate, 1.0))
        amount = min(len(ready), self._rate)  # a batch larger than a second's worth takes the whole second
        if not limiter.has_capacity(amount):
            detail = f"at most {self._rate:g} events per second per sending system"
            return problem(429, "rate_limited", detail, headers={"Retry-After": "1"})
        await limiter.acquire(amount)
        try:
            await store(self._jetstream(), "http", ready)
        except Exception as error:
            log.warning("events not stored", error=type(error).__name__, events=len(ready))
            return problem(503, "not_stored", f"the event store did not confirm ({type(error).__name__})")
        return web.json_response({"accepted": [item.event.id for item in ready]}, status=202)

    def _validated(self, bodies: list[tuple[str, bytes]]) -> tuple[list[ReadyEvent], list[tuple[str, str]]]:
        ready: list[ReadyEvent] = []
        errors: list[tuple[str, str]] = []
        for label, raw in bodies:
            try:
                ready.append(read_event(raw, label=label, future_tolerance=self._future_tolerance))
            except InvalidEvent as invalid:
                count_refused("http")
                prefix = f"{label}: " if len(bodies) > 1 else ""
                errors.append((invalid.kind, f"{prefix}{invalid.kind}: {invalid.reason}"))
        return ready, errors
