"""`discharge dev`: the whole system on one machine, started in order, healthy, and stopped for sure.

Order: the data dir's secrets (workers/stack/protection.py), then the Temporal dev server (SQLite file, Web
UI, the contract's search attributes) and NATS (JetStream on file storage, encrypted, with its users) first;
once both answer, the worker, the gateway and the codec server as child processes
(`python -m discharge.cli.main <part>`, the same interpreter and venv); once each really
serves, the stack is ready. If any child exits while the stack runs, or stays alive but not ready
(workers/stack/watch.py), the supervisor says which and stops everything: a stack running half-alive
in silence is worse than one that stops (a restart loop would hide a crash loop; production has its
service manager for restarts). Stopping goes in
reverse order, SIGTERM then SIGKILL after a grace period, each child's whole process group.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Sequence
from typing import TypeVar

import structlog
from temporalio.client import Client

from discharge import signals
from discharge.nats_connection import provision
from discharge.settings import Settings
from discharge.signals import on_stop_signals
from workers.stack import doors as doors_part, health, watch, web as web_part
from workers.stack.children import Child, ChildSpec
from workers.stack.datadir import DataDir, StackError
from workers.stack.parts import APP_PARTS, app_child_spec, dev_parts, ready_check, watch_check
from workers.stack.preflight import preflight
from workers.stack.protection import DEV_OPS_HSA_ID, Protection, dev_ops_token, prepare_protection
from workers.stack.relay import relay_nats, relay_temporal
from workers.stack.servers import (
    nats_command,
    nats_monitoring_port,
    temporal_dev_command,
    wait_for_tcp,
)

T = TypeVar("T")
# Not bound at import: `configure_logging` runs later and binds the component for the process.
log = structlog.get_logger()

#: Ctrl-C, a service manager's stop, and a closed terminal (the children, in their own sessions, do
#: not get the terminal's SIGHUP: without handling it they would outlive the supervisor).
STOP_SIGNALS = (*signals.STOP_SIGNALS, signal.SIGHUP)


class ChildExited(Exception):
    def __init__(self, child: Child) -> None:
        super().__init__(f"{child.name} exited with code {child.returncode}")
        self.child = child


class StopRequested(Exception):
    pass


class Supervisor:
    def __init__(
        self,
        settings: Settings,
        *,
        parts: Sequence[str] = APP_PARTS,
        demo: bool = False,
        grace: float = 15.0,
        startup_timeout: float = 60.0,
        readiness_patience: float = watch.DEFAULT_PATIENCE,
        readiness_every: float = watch.DEFAULT_EVERY,
    ) -> None:
        self.settings = settings
        self.parts = tuple(parts)
        self.demo = demo
        self.grace = grace
        self.startup_timeout = startup_timeout
        self.readiness = (readiness_patience, readiness_every)
        self.data = DataDir(settings.discharge_data_dir)
        self.children: dict[str, Child] = {}
        self.protection: Protection | None = None  # the data dir's secrets, once `start` made them
        self.client: Client | None = None
        self._stop = asyncio.Event()
        self.ready = asyncio.Event()  # set once every part serves (tests and embedders wait on it)

    @property
    def ui_url(self) -> str:
        return f"http://{self.settings.temporal_host}:{self.settings.temporal_ui_port}"

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> int:
        """Start, serve until a stop is requested or a child dies, stop. 0 = stopped on request."""
        try:
            await self.start()
            await self._guard(self._watch())
        except StopRequested:
            _say("stop requested")
            return 0
        except ChildExited as died:
            log.error(
                f"{died.child.name} exited unexpectedly; stopping the whole stack",
                part=died.child.name,
                exit_code=died.child.returncode,
                last_output=list(died.child.last_lines),  # its own words on why, often the only clue
            )
            return 1
        except watch.PartNotReady as stuck:
            log.error(
                f"{stuck}; stopping the whole stack",
                part=stuck.part,
                last_output=list(self.children[stuck.part].last_lines),
            )
            return 1
        finally:
            await self.stop()
        return 0  # pragma: no cover - the guard above only ends by raising

    async def start(self) -> None:
        """Every part started and healthy, or StackError / ChildExited / StopRequested."""
        preflight(self.settings, codec_server="codec-server" in self.parts, parts=self.parts)
        try:
            self.data.prepare()
            self.data.lock()
            # The payload key ring, the JetStream store key and the NATS users (workers/stack/protection.py).
            secured = prepare_protection(self.settings, self.data.root, self.data.jetstream)
            self.protection, self.settings = secured, secured.settings
            self.data.nats_conf.write_text(secured.nats_conf)
            doors_part.prepare_tokens(self.data.root, self.parts)
        except OSError as error:
            raise StackError(
                f"cannot use the data dir {self.data.root} (DISCHARGE_DATA_DIR): {error.strerror}"
            ) from None
        s = self.settings
        # NATS first, listening before Temporal starts: the dev server binds its HTTP, metrics and
        # internal service ports to random free ports, and one could be NATS's port (free until NATS
        # binds it), which made the dev server exit at start now and then.
        await self._spawn(
            ChildSpec("nats", nats_command(self.data.nats_conf), env=secured.nats_env, relay=relay_nats)
        )
        # Listening first (polled every 0.1 s): a NATS client refused at its first try retries only 2 s later.
        await self._guard(wait_for_tcp(s.nats_host, s.nats_port, self.startup_timeout))
        nats_ready = health.poll_until(
            lambda: health.jetstream_ready(s), f"NATS at {s.nats_url}", self.startup_timeout
        )
        await self._guard(nats_ready)
        # The one provisioning step: the streams, made by the supervisor's user; no part may create one.
        await self._guard(provision(s))
        await self._spawn(
            ChildSpec(
                "temporal",
                temporal_dev_command(
                    s.temporal_host,
                    s.temporal_port,
                    s.temporal_ui_port,
                    self.data.temporal_db,
                    s.temporal_namespace,
                    codec_endpoint=f"http://{s.codec_address}" if "codec-server" in self.parts else None,
                ),
                relay=relay_temporal,
                quiet_when_stopping=True,
            )
        )
        self.client = await self._guard(health.connect_when_ready(s, self.startup_timeout))
        log.info("servers healthy", temporal=s.temporal_address, nats=s.nats_url, ui=self.ui_url)
        # `discharge dev` names the demo's units and people unless DISCHARGE_UNIT_DIRECTORY says otherwise.
        s = self.settings = web_part.with_demo_units(s)
        if "web" in self.parts and web_part.uses_dev_idp(s):
            # The web page's sign-in: a development OpenID provider with synthetic users.
            s = self.settings = web_part.with_dev_idp(s)
            await self._spawn(web_part.dev_idp_spec(s))
            await self._guard(health.poll_until(lambda: web_part.idp_ready(s), "idp", self.startup_timeout))
        for part in self.parts:
            child = await self._spawn(app_child_spec(part, s, secured.child_env(part)))
            ready = ready_check(child, s, self.client)
            await self._guard(health.poll_until(ready, part, self.startup_timeout))
            log.info(f"{part} ready", part=part, pid=child.pid)
        log.info("stack ready", ui=self.ui_url, data_dir=str(self.data.root))
        self.ready.set()
        self._announce()
        if self.demo:
            await self._guard(self._load_demo())

    async def _watch(self) -> None:
        assert self.client is not None
        client, (patience, every) = self.client, self.readiness
        checks = {part: watch_check(self.children[part], self.settings, client) for part in self.parts}
        await watch.watch_readiness(checks, patience=patience, every=every)

    async def _spawn(self, spec: ChildSpec) -> Child:
        child = Child(spec)
        try:
            await child.start()
        except OSError as error:
            raise StackError(f"cannot start {spec.name} ({spec.command[0]}): {error.strerror}") from None
        self.children[spec.name] = child
        log.info(f"{spec.name} process started", part=spec.name, pid=child.pid)
        return child

    async def _guard(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable`` unless a stop is requested or a child exits first (then raise)."""
        task = asyncio.ensure_future(awaitable)
        watchers = [asyncio.ensure_future(child.wait()) for child in self.children.values()]
        watchers.append(asyncio.ensure_future(self._stop.wait()))
        try:
            await asyncio.wait([task, *watchers], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for watcher in watchers:
                watcher.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        if self._stop.is_set():
            raise StopRequested
        for child in self.children.values():
            if child.returncode is not None:
                raise ChildExited(child)
        raise RuntimeError("guard ended without a cause")  # pragma: no cover

    async def _load_demo(self) -> None:
        try:
            from discharge.demo.loader import load_demo
        except ImportError as missing:
            log.warning("demo not available in this build; continuing without it", error=str(missing))
            return
        try:
            published = await load_demo(self.settings)
        except Exception as error:
            # The stack itself is healthy: a demo that fails to load is reported, not fatal.
            log.error("demo could not be loaded", error_type=type(error).__name__, error=str(error))
            return
        log.info("demo loaded", events=published)

    def _announce(self) -> None:
        with contextlib.suppress(OSError):
            self._print_banner()

    def _print_banner(self) -> None:
        s = self.settings
        print(
            f"\ndischarge dev is running\n"
            f"  Temporal Web UI  {self.ui_url}\n"
            f"{web_part.banner_lines(s, self.parts)}"
            f"{doors_part.banner_lines(self.data.root, self.parts)}"
            f"  Temporal         {s.temporal_address} (namespace {s.temporal_namespace})\n"
            f"  NATS             {s.nats_url}\n"
            f"{self._codec_lines()}"
            f"  NATS monitoring  http://{s.nats_host}:{nats_monitoring_port(s.nats_port)}\n"
            f"  worker metrics   http://{s.discharge_worker_http_address}/metrics (/healthz, /readyz)\n"
            f"  gateway metrics  http://{s.discharge_gateway_http_address}/metrics (/healthz, /readyz)\n"
            f"  delivery metrics http://{s.discharge_delivery_http_address}/metrics (/healthz, /readyz)\n"
            f"{self._readmodel_line()}"
            f"  data             {self.data.root}\n"
            f"  receivers        discharge receive --as <HSA-id> [--ack]  (LMV {s.discharge_lmv_unit}; "
            f"their NATS users: {self.data.root}/keys/nats/receiver-*.nk)\n"
            f"Ctrl-C stops everything.\n",
            flush=True,
        )

    def _readmodel_line(self) -> str:
        if "readmodel" not in self.parts:
            return ""
        address = self.settings.discharge_readmodel_http_address
        return f"  read model       http://{address}/metrics (/healthz, /readyz)\n"

    def _codec_lines(self) -> str:
        if "codec-server" not in self.parts:
            return ""
        token = dev_ops_token(self.settings)
        return (
            f"  Codec server     http://{self.settings.codec_address} (the Web UI decodes payloads with it)\n"
            f"  Ops token        {token}\n"
            f"                   (role ops, {DEV_OPS_HSA_ID}; README: reading a history in the UI)\n"
        )

    async def stop(self) -> None:
        """Stop every child this supervisor started: the apps first, then the servers.

        Logging here must never prevent the stopping: if our output is gone (a closed terminal, a
        dead pipe reader), writing fails, and the children would be left running."""
        apps = [child for name, child in self.children.items() if name not in ("temporal", "nats")]
        servers = [child for name, child in self.children.items() if name in ("temporal", "nats")]
        for group in (apps, servers):
            running = [child for child in group if child.returncode is None]
            if running:
                _say("stopping", parts=[child.name for child in running])
            await asyncio.gather(*(child.stop(self.grace) for child in group))
        self.data.unlock()
        if self.children:
            _say("stopped; no process left behind", parts=list(self.children))


def _say(event: str, **fields: object) -> None:
    with contextlib.suppress(OSError):
        log.info(event, **fields)


async def run_stack(settings: Settings, *, demo: bool) -> int:
    """The `discharge dev` command: run until Ctrl-C / SIGTERM or a child's death."""
    supervisor = Supervisor(settings, demo=demo, parts=dev_parts(settings))
    try:
        with on_stop_signals(supervisor.request_stop, STOP_SIGNALS):
            return await supervisor.run()
    except (StackError, TimeoutError) as error:
        print(f"discharge dev: {error}", file=sys.stderr, flush=True)
        return 1
