"""`discharge web`: serve the coordinators' web page at ``DISCHARGE_WEB_ADDRESS`` until SIGTERM."""

from __future__ import annotations

import uvicorn

from discharge.settings import DEV_SESSION_SECRET, Settings, SettingsError, require_strong_secret

#: The dev OpenID provider's address next to the web page: the web port + 1 (8080 -> 8081).
DEV_IDP_PORT_OFFSET = 1
#: Seconds an idle connection is kept open: longer than the inbox's 5-s refresh (static/live.js), so each
#: tab's refresh reuses its connection. uvicorn's default is 5 s, the refresh period itself: the server then
#: closed connections just as the next refresh was sent on them (bench/web.py saw 18 of 1,148 inbox views
#: fail with "connection reset"; docs/benchmarks.md, "Pages").
KEEP_ALIVE_SECONDS = 30


def host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise SettingsError(
            f"DISCHARGE_WEB_ADDRESS: expected host:port such as localhost:8080, got {address!r}"
        )
    return host, int(port)


def dev_idp_address(settings: Settings) -> str:
    host, port = host_port(settings.discharge_web_address)
    return f"{host}:{port + DEV_IDP_PORT_OFFSET}"


def check_web_settings(settings: Settings) -> None:
    """Refuse to serve people with settings only a laptop may use (``SettingsError`` says which)."""
    host_port(settings.discharge_web_address)
    if not settings.discharge_oidc_issuer or not settings.discharge_oidc_client_id:
        raise SettingsError(
            "set DISCHARGE_OIDC_ISSUER and DISCHARGE_OIDC_CLIENT_ID (and _CLIENT_SECRET): the region's IdP"
        )
    dev_secret = settings.discharge_session_secret.get_secret_value() == DEV_SESSION_SECRET
    if dev_secret and not settings.discharge_development:
        raise SettingsError(
            "DISCHARGE_SESSION_SECRET is the dev-only value: set a secret of your own (the same for the "
            "codec server), or DISCHARGE_DEVELOPMENT=true on a laptop"
        )
    if not dev_secret:
        require_strong_secret(settings, "discharge_session_secret")


async def run_web(settings: Settings) -> None:
    from discharge.temporal_client import connect_temporal
    from workers.web.app import build_app

    host, port = host_port(settings.discharge_web_address)
    # Connected before serving: an unreachable Temporal is one error line and exit 1, like the worker's.
    client = await connect_temporal(settings)
    app = build_app(settings, client, show_dev_users=settings.discharge_development)
    # proxy_headers: behind the region's TLS proxy, X-Forwarded-Proto makes the cookie Secure.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    await uvicorn.Server(config).serve()
