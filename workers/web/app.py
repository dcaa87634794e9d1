"""The web page's Starlette application: middleware (session, sign-in), routes, assets, Temporal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from temporalio.client import Client

from discharge.audit import AuditLog
from discharge.settings import Settings
from discharge.temporal_client import connect_temporal
from workers.web import auth, pages, report
from workers.web.context import HERE, Web

#: The signed session cookie (the OIDC state and nonce during sign-in, the CSRF token, a flash message).
SESSION_COOKIE = "discharge_session"


def build_app(settings: Settings, client: Client | None = None, *, show_dev_users: bool = False) -> Starlette:
    """The application; ``client`` for tests that already have one, else it connects at start-up."""
    web = Web(
        settings=settings,
        oauth=auth.make_oauth(settings),
        audit=AuditLog(settings.audit_log_path),
        client=client,
        show_dev_users=show_dev_users,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if web.client is None:
            web.client = await connect_temporal(settings)
        yield

    app = Starlette(
        routes=[
            *auth.ROUTES,
            *pages.ROUTES,
            *report.ROUTES,
            Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.discharge_session_secret.get_secret_value(),
                session_cookie=SESSION_COOKIE,
                max_age=int(settings.discharge_session_ttl.total_seconds()),
                same_site="lax",
            ),
            Middleware(auth.RequireSignIn),
        ],
        lifespan=lifespan,
    )
    app.state.web = web
    return app
