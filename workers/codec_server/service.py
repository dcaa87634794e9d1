"""`discharge codec-server`: the codec app served by uvicorn on ``DISCHARGE_CODEC_ADDRESS``."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

import structlog
import uvicorn

from discharge.audit import AuditLog
from discharge.codec import EncryptionCodec
from discharge.keyring import load_ring
from discharge.sessions import SessionStore
from discharge.settings import DEV_SESSION_SECRET, Settings, SettingsError, require_strong_secret
from workers.codec_server.app import build_app
from workers.codec_server.auth import Authenticator, OidcVerifier


def require_production_session(settings: Settings) -> None:
    """Tokens signed with the dev-only session secret could be forged by anyone who read the source."""
    if settings.discharge_session_secret.get_secret_value() != DEV_SESSION_SECRET:
        require_strong_secret(settings, "discharge_session_secret")
        return
    if settings.discharge_development:
        structlog.get_logger().warning(
            "dev-only session secret in use; set DISCHARGE_SESSION_SECRET in production"
        )
        return
    raise SettingsError(
        "`discharge codec-server` refuses the dev-only DISCHARGE_SESSION_SECRET: set a real secret "
        "(shared with the web page), or DISCHARGE_DEVELOPMENT=true on a developer's machine"
    )


def ui_origins(settings: Settings) -> list[str]:
    """The Temporal UI's origins: the setting, or the embedded UI's (by name and by loopback address)."""
    if settings.discharge_codec_ui_origins:
        return [origin.strip() for origin in settings.discharge_codec_ui_origins.split(",") if origin.strip()]
    port = settings.temporal_ui_port
    hosts = {settings.temporal_host, "localhost", "127.0.0.1"}
    return sorted(f"http://{host}:{port}" for host in hosts)


def authenticator(settings: Settings) -> Authenticator:
    oidc = None
    if settings.discharge_oidc_issuer and settings.discharge_oidc_client_id:
        oidc = OidcVerifier(settings.discharge_oidc_issuer, settings.discharge_oidc_client_id)
    sessions = SessionStore(settings.session_store_path)
    return Authenticator(settings.discharge_session_secret.get_secret_value(), oidc, sessions)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Our process owns its signals (`discharge` stops every part the same way); see serve_codec.
        yield


def codec_server(settings: Settings) -> _Server:
    app = build_app(
        EncryptionCodec(load_ring(settings)),
        authenticator(settings),
        AuditLog(settings.audit_log_path),
        ui_origins(settings),
    )
    host, _, port = settings.codec_address.rpartition(":")
    config = uvicorn.Config(app, host=host, port=int(port), log_config=None, access_log=False, lifespan="off")
    return _Server(config)


async def run_codec_server(settings: Settings) -> None:
    """Serve until SIGTERM / SIGINT, then finish the requests in flight."""
    server = codec_server(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    structlog.get_logger().info("codec server starting", address=settings.codec_address)
    try:
        await server.serve()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    if not server.started:
        raise RuntimeError(f"the codec server could not listen on {settings.codec_address}")
