"""What every request handler of the web page shares: settings, Temporal, the audit log, templates."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from authlib.integrations.starlette_client import OAuth
from nats.aio.client import Client as Nats
from nats.js import JetStreamContext
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates
from temporalio.client import Client

from discharge import i18n
from discharge.audit import READ, WRITE, AuditLog, Result
from discharge.principal import Principal
from discharge.sessions import SessionStore
from discharge.settings import Settings
from workers.web import access, actions, csrf
from workers.web.data import NoAnswer
from workers.web.missing import missing
from workers.web.present import FILTERS, relative
from workers.web.problems import problems_of

HERE = Path(__file__).parent
#: What changes a pathway (Inera's "Skriva"); everything else the page logs is a read.
_ACTIONS = frozenset({"decide", "decide_refused", "acknowledge", "notifications", *actions.ACTIONS})


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    # `_()` and `{% trans %}` in every template, in the request's language (discharge/i18n.py).
    templates.env.add_extension("jinja2.ext.i18n")
    templates.env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    templates.env.globals["current_language"] = i18n.current_language
    templates.env.globals["language_names"] = i18n.LANGUAGE_NAMES
    templates.env.filters.update(FILTERS)
    templates.env.globals["access"] = access
    templates.env.globals["relative"] = relative
    templates.env.globals["offered"] = actions.offered
    templates.env.globals["deliveries_to_acknowledge"] = actions.deliveries_to_acknowledge
    templates.env.globals["missing"] = missing
    templates.env.globals["problems_of"] = problems_of
    return templates


@dataclass
class Web:
    settings: Settings
    oauth: OAuth
    audit: AuditLog
    sessions: SessionStore
    templates: Jinja2Templates = field(default_factory=make_templates)
    client: Client | None = None  # connected at start-up (lifespan)
    show_dev_users: bool = False
    nats: Nats | None = None  # connected at the first physician's action (workers/web/send.py)
    _connecting: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def events(self) -> JetStreamContext:
        """Where the physicians' actions are stored for the gateway; ``NoAnswer`` while NATS is away."""
        async with self._connecting:
            if self.nats is None or self.nats.is_closed:
                from discharge.nats_connection import connect_nats

                try:
                    self.nats = await connect_nats(self.settings, name="discharge-web", retry_forever=False)
                except Exception as error:
                    raise NoAnswer(
                        f"the event store (NATS) is not reachable ({type(error).__name__})"
                    ) from None
        return self.nats.jetstream()

    @property
    def temporal(self) -> Client:
        if self.client is None:
            raise RuntimeError("the web page is not connected to Temporal yet")
        return self.client

    def session_of(self, token: str) -> tuple[Principal, str] | None:
        """The principal and session id of an access token whose session is open."""
        return self.sessions.verify(token, self.settings.discharge_session_secret.get_secret_value())

    def record(
        self,
        principal: Principal,
        action: str,
        patient_key: str | None,
        detail: str | None = None,
        *,
        request: Request | None = None,
        result: Result = "granted",
    ) -> None:
        """One access-log line (discharge/audit.py) for the signed-in person, with their unit and address."""
        self.audit.record(
            actor=principal.hsa_id,
            role=principal.role,
            unit=principal.unit,
            action=action,
            patient_key=patient_key,
            activity=WRITE if action in _ACTIONS else READ,
            result=result,
            origin=f"web {request.client.host}" if request is not None and request.client else "web",
            detail=detail,
        )

    def render(self, request: Request, name: str, status_code: int = 200, **values: Any) -> Response:
        principal: Principal | None = getattr(request.state, "principal", None)
        values.setdefault("now", datetime.now(UTC))
        return self.templates.TemplateResponse(
            request,
            name,
            {"principal": principal, "csrf_token": csrf.csrf_token(request), **values},
            status_code=status_code,
        )


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def principal_of(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal
