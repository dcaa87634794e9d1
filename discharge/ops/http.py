"""``/metrics``, ``/healthz`` and ``/readyz`` of one process (worker, gateway, delivery, doors), on aiohttp.

- ``/healthz``: 200 while the process's event loop answers (a liveness probe: restart it if not).
- ``/readyz``: 200 when every readiness check passes (connected to Temporal and NATS, the worker polling
  or the gateway's consumer subscribed), else 503 naming the failing checks: a load balancer or an
  orchestrator stops sending work, nothing restarts.
- ``/metrics``: Prometheus text: ours (`discharge.ops.metrics`), the process's own (prometheus_client's
  default collectors: CPU, memory, file descriptors) and, when given, the Temporal SDK's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

import aiohttp
import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

ReadinessCheck = Callable[[], Awaitable[bool]]
#: A readiness check slower than this counts as failed: a probe must answer quickly.
CHECK_TIMEOUT = 3.0

log = structlog.get_logger(component="ops-http")


async def _passes(check: ReadinessCheck) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            return await check()
    except Exception:
        return False


class OpsServer:
    """Serves the three endpoints on ``address`` (host:port) until ``stop``."""

    def __init__(
        self,
        address: str,
        checks: Mapping[str, ReadinessCheck],
        *,
        sdk_metrics_url: str | None = None,
    ) -> None:
        host, _, port = address.rpartition(":")
        self.host, self.port = host or "localhost", int(port)
        self._checks = dict(checks)
        self._sdk_metrics_url = sdk_metrics_url
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("ops endpoints serving", address=f"{self.host}:{self.port}")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _healthz(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, _: web.Request) -> web.Response:
        names = list(self._checks)
        results = await asyncio.gather(*(_passes(self._checks[name]) for name in names))
        status = dict(zip(names, results, strict=True))
        return web.json_response(
            {"ready": all(results), "checks": status}, status=200 if all(results) else 503
        )

    async def _metrics(self, _: web.Request) -> web.Response:
        text = generate_latest(REGISTRY).decode()
        text += await self._sdk_metrics()
        return web.Response(body=text.encode(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _sdk_metrics(self) -> str:
        if self._sdk_metrics_url is None:
            return ""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CHECK_TIMEOUT))
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with self._session.get(self._sdk_metrics_url) as response:
                return await response.text()
        return ""  # the SDK's exporter not answering must not hide our own metrics


@asynccontextmanager
async def ops_endpoints(
    address: str, checks: Mapping[str, ReadinessCheck], *, sdk_metrics_url: str | None = None
) -> AsyncIterator[OpsServer]:
    """The three endpoints on ``address`` while the block runs: every process serves them this one way."""
    server = OpsServer(address, checks, sdk_metrics_url=sdk_metrics_url)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
