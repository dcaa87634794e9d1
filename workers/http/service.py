"""`discharge http`: the HTTP door as a process, on ``DISCHARGE_HTTP_ADDRESS``.

``POST /events`` (workers/http/door.py) beside ``/healthz``, ``/readyz`` and ``/metrics`` on the same
address (discharge/ops/http.py), until SIGTERM. Ready once NATS answers and ``DISCHARGE_EVENTS`` exists:
before that an answer 202 could not be kept. Tokens are checked against ``DISCHARGE_HTTP_ISSUER``'s keys,
or, in `discharge dev` (``DISCHARGE_DEVELOPMENT`` and no issuer set), its own development issuer.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiohttp import web
from nats.aio.client import Client as Nats

from discharge.bearer import BearerVerifier, IssuerKeys, dev_verifier
from discharge.nats_connection import connect_nats
from discharge.ops.http import CHECK_TIMEOUT, OpsServer, ReadinessCheck
from discharge.settings import Settings, SettingsError
from discharge.signals import on_stop_signals
from events.streams import INBOUND_STREAM, ensure_streams
from workers.doors.settings import DoorSettings
from workers.http.door import EventsDoor

log = structlog.get_logger(component="http")


class HttpDoorServer(OpsServer):
    """The ops endpoints and ``POST /events`` on one address."""

    def __init__(self, address: str, checks: dict[str, ReadinessCheck], door: EventsDoor) -> None:
        super().__init__(address, checks)
        self._door = door

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_post("/events", self._door.handle)
        return app


def http_verifier(settings: Settings, doors: DoorSettings) -> BearerVerifier:
    """The production issuer's, or `discharge dev`'s own; `SettingsError` when neither applies."""
    if doors.discharge_http_issuer:
        if not doors.discharge_http_audience:
            raise SettingsError("DISCHARGE_HTTP_AUDIENCE: required with DISCHARGE_HTTP_ISSUER")
        issuer = doors.discharge_http_issuer
        return BearerVerifier(issuer, doors.discharge_http_audience, IssuerKeys(issuer))
    if settings.discharge_development:
        return dev_verifier(settings.discharge_data_dir)
    raise SettingsError(
        "DISCHARGE_HTTP_ISSUER and DISCHARGE_HTTP_AUDIENCE: required (the region's authorisation server), "
        "unless DISCHARGE_DEVELOPMENT=true (then `discharge dev`'s own issuer in the data dir)"
    )


async def run_http(settings: Settings) -> None:
    doors = DoorSettings()
    verifier = http_verifier(settings, doors)
    nats: Nats = await connect_nats(settings, name="discharge-http")
    js = nats.jetstream()
    await ensure_streams(js, settings.discharge_stream_replicas)
    door = EventsDoor(
        verifier,
        lambda: js,
        future_tolerance=settings.discharge_future_tolerance,
        max_concurrency=doors.discharge_http_max_concurrency,
        rate=doors.discharge_http_rate,
    )

    async def stream_exists() -> bool:
        await js.stream_info(INBOUND_STREAM)
        return True

    checks: dict[str, ReadinessCheck] = {
        "nats": lambda: _connected(nats),
        "stream": stream_exists,
    }
    server = HttpDoorServer(doors.discharge_http_address, checks, door)
    stop = asyncio.Event()
    try:
        with on_stop_signals(stop.set):
            await server.start()
            log.info("http door serving", address=f"http://{doors.discharge_http_address}/events")
            await stop.wait()
    finally:
        await server.stop()  # aiohttp finishes the requests in flight first
        with contextlib.suppress(Exception):
            await asyncio.wait_for(nats.drain(), CHECK_TIMEOUT)
        log.info("http door stopped")


async def _connected(nats: Nats) -> bool:
    return bool(nats.is_connected)
