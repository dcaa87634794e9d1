"""One way to connect to NATS for every process (gateway, worker, `discharge publish`).

The gateway and the worker are long-running services: a NATS restart or a cluster node going away must
never end them. So the client reconnects forever, with a capped exponential backoff plus jitter (a herd of
processes must not hammer a server that is just coming back), and the very first connection is retried
the same way, because in a container start-up NATS may simply not be up yet.
"""

from __future__ import annotations

import contextlib
import random
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import nats
import structlog
from nats.aio.client import Client, Server
from nats.js.errors import NotFoundError

from discharge.keyring import keys_dir
from discharge.settings import Settings

#: The first retry comes quickly (a NATS restart takes well under a second), later ones back off.
BACKOFF_INITIAL_SECONDS = 0.1
BACKOFF_MAX_SECONDS = 5.0
#: A one-shot command (``discharge publish``) gives up after this many tries per server.
ONE_SHOT_ATTEMPTS = 2


def backoff_delay(attempt: int) -> float:
    """Seconds to wait before try number ``attempt`` (0-based): 0.1, 0.2, 0.4 … capped at 5, ±20 %."""
    base = min(BACKOFF_INITIAL_SECONDS * 2.0 ** min(attempt, 16), BACKOFF_MAX_SECONDS)
    return base * random.uniform(0.8, 1.2)


def server_urls(settings: Settings) -> list[str]:
    """``NATS_URL`` may name several cluster members, comma-separated."""
    return [url.strip() for url in settings.nats_url.split(",") if url.strip()]


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """A client TLS context when any ``NATS_TLS_*`` file is set; ``tls://`` alone uses the system CAs."""
    if not (settings.nats_tls_ca or settings.nats_tls_cert or settings.nats_tls_key):
        return None
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=str(settings.nats_tls_ca) if settings.nats_tls_ca else None
    )
    if settings.nats_tls_cert:
        context.load_cert_chain(
            str(settings.nats_tls_cert), str(settings.nats_tls_key) if settings.nats_tls_key else None
        )
    return context


def dev_seed_file(data_dir: Path, user: str) -> Path:
    """Where `discharge dev` keeps an embedded NATS user's nkey seed (workers/stack/nats_auth.py)."""
    return keys_dir(data_dir) / "nats" / f"{user}.nk"


def _login(settings: Settings) -> tuple[Path | None, str | None]:
    """The nkey seed file and inbox prefix to use: the settings', or else, when this data dir belongs to a
    `discharge dev`, its CLI user's (so `discharge publish` / `demo` work against it without setup)."""
    if settings.nats_nkey_seed is not None or settings.nats_creds is not None:
        return settings.nats_nkey_seed, settings.nats_inbox_prefix
    seed = dev_seed_file(settings.discharge_data_dir, "cli")
    if seed.exists():
        return seed, settings.nats_inbox_prefix or "_INBOX_cli"
    return None, settings.nats_inbox_prefix


def login_options(settings: Settings) -> dict[str, Any]:
    """nats-py ``connect`` arguments that say who we are: creds file, or nkey seed and inbox prefix."""
    options: dict[str, Any] = {}
    if settings.nats_creds:
        options["user_credentials"] = str(settings.nats_creds)
    seed, inbox = _login(settings)
    if seed is not None:
        options["nkeys_seed"] = str(seed)
    if inbox is not None:
        options["inbox_prefix"] = inbox
    return options


def _pick_server(servers: list[Server], _info: dict[str, Any]) -> tuple[Server | None, float]:
    """nats-py's reconnect hook: the member tried least recently wins, after a backoff for it."""
    chosen = min(servers, key=lambda server: server.reconnects)
    return chosen, backoff_delay(chosen.reconnects)


def connection_options(
    settings: Settings,
    *,
    name: str,
    retry_forever: bool = True,
    closing: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    """nats-py ``connect`` keyword arguments (the gateway hands most of them to FastStream's broker).

    ``closing`` tells the disconnect callback that a disconnect is our own drain, not an outage.
    """
    log = structlog.get_logger(component=name)

    async def on_error(error: Exception) -> None:
        log.warning("nats connection problem", error=type(error).__name__, detail=str(error))

    async def on_disconnected() -> None:
        # Draining or closing on purpose also disconnects; only an unexpected loss is worth a warning.
        if not closing():
            log.warning("nats disconnected; reconnecting")

    async def on_reconnected() -> None:
        log.info("nats reconnected")

    options: dict[str, Any] = {
        "servers": server_urls(settings),
        "name": name,
        "allow_reconnect": True,
        # -1: never give up; a service outlives any NATS outage.
        "max_reconnect_attempts": -1 if retry_forever else ONE_SHOT_ATTEMPTS,
        # Between first-connection tries (nats-py's own loop); reconnects use `_pick_server`'s backoff.
        "reconnect_time_wait": 1,
        "reconnect_to_server_handler": _pick_server,
        "connect_timeout": 2,
        "error_cb": on_error,
        "disconnected_cb": on_disconnected,
        "reconnected_cb": on_reconnected,
    }
    options.update(login_options(settings))
    context = tls_context(settings)
    if context is not None:
        options["tls"] = context
    return options


async def connect_nats(settings: Settings, *, name: str = "discharge", retry_forever: bool = True) -> Client:
    """Connect to NATS (``NATS_URL``, ``NATS_CREDS``, ``NATS_TLS_*``) and stay connected.

    With ``retry_forever`` (services) the first connection, too, is retried until it succeeds (nats-py
    keeps cycling the server list); without it (a one-shot command) a NATS that is down is reported after
    a few tries by the raised error instead of hanging the terminal.
    """
    client = Client()
    options = connection_options(
        settings,
        name=name,
        retry_forever=retry_forever,
        closing=lambda: client.is_closed or client.is_draining,
    )
    await client.connect(**options)
    return client


async def provision(settings: Settings) -> None:
    """The one provisioning step: every stream of the contract created where missing, by a user that may
    (`discharge dev`'s supervisor at start; ``discharge streams provision`` in production)."""
    from events.streams import provision_streams

    client = await connect_nats(settings, name="discharge-streams", retry_forever=False)
    try:
        await provision_streams(client.jetstream(), settings.discharge_stream_replicas)
    finally:
        await client.close()


async def _quiet(_: Exception) -> None:
    """A refused connection while the server is still starting is the expected answer, not news."""


@contextlib.asynccontextmanager
async def check_connection(settings: Settings) -> AsyncIterator[Client]:
    """A one-shot connection for a health or readiness check: one second to connect, no reconnects."""
    connection = await nats.connect(
        settings.nats_url,
        connect_timeout=1,
        max_reconnect_attempts=0,
        allow_reconnect=False,
        error_cb=_quiet,
        **login_options(settings),
    )
    try:
        yield connection
    finally:
        await connection.close()


async def pull_consumer_waiting(settings: Settings, stream: str, durable: str) -> bool:
    """True once the pull consumer ``durable`` has a pending fetch (a part's readiness check)."""
    async with check_connection(settings) as connection:
        try:
            info = await connection.jetstream().consumer_info(stream, durable)
        except NotFoundError:
            return False
        return (info.num_waiting or 0) > 0
