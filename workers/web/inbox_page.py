"""The inbox (with its live part): read from the read model only (workers/web/data.py, issue 26)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from discharge.i18n import current_language, gettext as _
from events.fields import HSA_ID_PATTERN
from workers.web import access, data
from workers.web.context import principal_of, web_of
from workers.web.moment_cache import MomentCache


def _forbidden_page(request: Request, message: str) -> Response:
    web = web_of(request)
    return web.render(request, "error.html", status_code=403, title=_("Not allowed"), message=message)


def _vardcentral_of(request: Request) -> str | None:
    vardcentral = request.query_params.get("vc") or None
    return vardcentral if vardcentral and re.match(HSA_ID_PATTERN, vardcentral) else None


async def _inbox_values(request: Request) -> dict[str, Any]:
    web, principal = web_of(request), principal_of(request)
    vardcentral = _vardcentral_of(request)
    now = datetime.now(UTC)
    inbox = await data.read_inbox(web.readmodel, principal, now, vardcentral)
    return {"inbox": inbox, "vc": vardcentral, "now": now}


async def inbox_page(request: Request) -> Response:
    web = web_of(request)
    if principal_of(request).role == "ops":
        return RedirectResponse("/pathways", status_code=303)
    return web.render(request, "inbox.html", **await _inbox_values(request))


#: The inbox's live part as rendered, shared like its data (data.read_inbox) by every tab of one scope, filter
#: and language that refreshes within the same second: its rendering was most of an inbox view's CPU
#: (docs/benchmarks.md, "Pages"), and the part holds nothing of the person (no CSRF token, no name). For up to
#: 2 s more the last rendering is served at once while the next is made: no refresh waits for the read model.
_LIVE: MomentCache[str] = MomentCache(ttl=1.0, stale_for=2.0)


async def inbox_live(request: Request) -> Response:
    """The inbox's changing part alone, fetched every few seconds by static/live.js."""
    web, principal = web_of(request), principal_of(request)
    if principal.role == "ops":
        return _forbidden_page(request, _("ops has no inbox"))

    async def rendered() -> str:
        values = await _inbox_values(request)
        return web.templates.get_template("_inbox_live.html").render(values)

    scope = (id(web), access.read_model_scope(principal), _vardcentral_of(request), current_language())
    return HTMLResponse(await _LIVE.get(scope, rendered))


def forget_rendered_inboxes() -> None:
    """After an acknowledgement: the person who acted sees it on their next refresh (read your writes)."""
    _LIVE.clear()
