"""`discharge hl7`: the MLLP listener as a process, on ``DISCHARGE_HL7_ADDRESS``, until SIGTERM.

Its ``/healthz``, ``/readyz`` and ``/metrics`` are on ``DISCHARGE_HL7_HTTP_ADDRESS`` (MLLP is not HTTP).
Ready once NATS answers, ``DISCHARGE_EVENTS`` exists and the listener accepts connections.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from nats.aio.client import Client as Nats

from discharge.nats_connection import connect_nats
from discharge.ops.http import CHECK_TIMEOUT, OpsServer, ReadinessCheck
from discharge.settings import Settings
from discharge.signals import on_stop_signals
from events.streams import INBOUND_STREAM, ensure_streams
from workers.doors.settings import DoorSettings, host_port
from workers.hl7.listener import Hl7Door

log = structlog.get_logger(component="hl7")


async def run_hl7(settings: Settings) -> None:
    doors = DoorSettings()
    nats: Nats = await connect_nats(settings, name="discharge-hl7")
    js = nats.jetstream()
    await ensure_streams(js, settings.discharge_stream_replicas)
    door = Hl7Door(
        lambda: js,
        future_tolerance=settings.discharge_future_tolerance,
        idle_timeout=doors.discharge_hl7_idle_timeout,
        max_connections=doors.discharge_hl7_max_connections,
    )
    host, port = host_port(doors.discharge_hl7_address)
    listener = await door.serve(host, port)

    async def stream_exists() -> bool:
        await js.stream_info(INBOUND_STREAM)
        return True

    async def connected() -> bool:
        return bool(nats.is_connected)

    async def listening() -> bool:
        return listener.is_serving()

    checks: dict[str, ReadinessCheck] = {"nats": connected, "stream": stream_exists, "mllp": listening}
    ops = OpsServer(doors.discharge_hl7_http_address, checks)
    stop = asyncio.Event()
    try:
        with on_stop_signals(stop.set):
            await ops.start()
            log.info(
                "hl7 door listening",
                mllp=doors.discharge_hl7_address,
                ops=f"http://{doors.discharge_hl7_http_address}",
            )
            await stop.wait()
    finally:
        listener.close()  # no new connections; the ones open finish their message or time out
        with contextlib.suppress(Exception):
            await asyncio.wait_for(listener.wait_closed(), CHECK_TIMEOUT)
        await ops.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(nats.drain(), CHECK_TIMEOUT)
        log.info("hl7 door stopped")
