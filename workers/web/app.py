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
from discharge.sessions import SessionStore
from discharge.settings import Settings
from discharge.temporal_client import connect_temporal
from discharge.units import load_unit_directory
from workers.web import act, auth, language, names, notifications, pages, patient_page, report
from workers.web.context import HERE, Web
from workers.web.headers import SecurityHeaders

#: The signed cookie for the sign-in's OIDC state, nonce and PKCE verifier, and a flash message (the
#: session itself is server-side: discharge/sessions.py).
SESSION_COOKIE = "discharge_session"


def on_loopback(address: str) -> bool:
    """A web page bound to this machine's loopback alone serves plain http to its own user."""
    return address.rpartition(":")[0] in auth.LOOPBACK_HOSTS


def build_app(settings: Settings, client: Client | None = None, *, show_dev_users: bool = False) -> Starlette:
    """The application; ``client`` for tests that already have one, else it connects at start-up."""
    web = Web(
        settings=settings,
        oauth=auth.make_oauth(settings),
        audit=AuditLog(settings.audit_log_path),
        sessions=SessionStore(settings.session_store_path),
        client=client,
        show_dev_users=show_dev_users,
    )
    web.templates.env.filters.update(names.filters(load_unit_directory(settings.discharge_unit_directory)))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if web.client is None:
            web.client = await connect_temporal(settings)
        try:
            yield
        finally:
            if web.nats is not None and not web.nats.is_closed:
                await web.nats.close()

    app = Starlette(
        routes=[
            *auth.ROUTES,
            *pages.ROUTES,
            *patient_page.ROUTES,
            *act.ROUTES,
            *notifications.ROUTES,
            *report.ROUTES,
            *language.ROUTES,
            Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
        ],
        middleware=[
            # Outermost: the language is set before any other middleware or handler says a word.
            Middleware(language.SpeakChosenLanguage),
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=settings.discharge_session_secret.get_secret_value(),
                session_cookie=SESSION_COOKIE,
                max_age=int(settings.discharge_session_ttl.total_seconds()),
                same_site="lax",
                https_only=not on_loopback(settings.discharge_web_address),
            ),
            Middleware(auth.RequireSignIn),
        ],
        lifespan=lifespan,
    )
    app.state.web = web
    return app
