"""``/notifications``: a person chooses whether to get content-free e-mail when something new needs them.

The choice is theirs alone (their own HSA-id, role and unit from the sign-in); the address is kept only
while they want the e-mails (discharge/notify/optins.py). The e-mails themselves: docs/notifications.md.
"""

from __future__ import annotations

import asyncio
import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from discharge.i18n import gettext as _
from discharge.notify.optins import OptIns
from workers.web import csrf
from workers.web.context import principal_of, web_of
from workers.web.pages import _forbidden

#: Enough to refuse a typo; the mail server has the last word on an address.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
ROLES = ("coordinator", "lmv", "vc")


def _store(request: Request) -> OptIns:
    return OptIns(web_of(request).settings.notification_store_path)


async def notifications_page(request: Request) -> Response:
    web, principal = web_of(request), principal_of(request)
    if principal.role not in ROLES:
        return _forbidden(web, request, _("ops gets no notifications"))
    chosen = await asyncio.to_thread(_store(request).of, principal.hsa_id)
    flash = request.session.pop("flash", None)
    return web.render(request, "notifications.html", chosen=chosen, flash=flash, problem=None)


async def notifications_choose(request: Request) -> Response:
    web, principal = web_of(request), principal_of(request)
    try:
        form = await csrf.checked_form(request)
    except csrf.CsrfRefused as refused:
        return _forbidden(web, request, str(refused))
    if principal.role not in ROLES:
        return _forbidden(web, request, _("ops gets no notifications"))
    wanted = form.get("wanted") == "yes"
    address = str(form.get("email", "")).strip()
    if wanted and not EMAIL.match(address):
        chosen = await asyncio.to_thread(_store(request).of, principal.hsa_id)
        problem = _("Give a valid e-mail address.")
        return web.render(
            request, "notifications.html", chosen=chosen, flash=None, problem=problem, status_code=400
        )
    await asyncio.to_thread(
        _store(request).choose, principal.hsa_id, principal.role, principal.unit, address if wanted else None
    )
    web.record(principal, "notifications", None, "e-mail on" if wanted else "e-mail off", request=request)
    request.session["flash"] = _("Notifications saved") if wanted else _("Notifications turned off")
    return RedirectResponse("/notifications", status_code=303)


ROUTES = [
    Route("/notifications", notifications_page, methods=["GET"]),
    Route("/notifications", notifications_choose, methods=["POST"]),
]
