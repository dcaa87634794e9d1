"""CSRF protection for every form: a token bound to the signed-in session, compared on every POST.

The token is an HMAC of the server-side session's id (discharge/sessions.py) under the session secret: a
page from another site can make a browser post to us, but cannot read the token to put in the form, and
a token seen in one session (another person's, or before a sign-out) is worth nothing in any other.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.datastructures import FormData
from starlette.requests import Request

from discharge.i18n import gettext as _

FIELD = "csrf_token"


class CsrfRefused(Exception):
    pass


def _secret(request: Request) -> bytes:
    secret: str = request.app.state.web.settings.discharge_session_secret.get_secret_value()
    return secret.encode("utf-8")


def csrf_token(request: Request) -> str:
    """This session's token; empty before sign-in (no form posts anything then)."""
    session_id = getattr(request.state, "session_id", None)
    if not isinstance(session_id, str):
        return ""
    return hmac.new(_secret(request), b"csrf:" + session_id.encode("utf-8"), hashlib.sha256).hexdigest()


async def checked_form(request: Request) -> FormData:
    """The posted form, if its token is this session's; else ``CsrfRefused``."""
    form = await request.form()
    sent = form.get(FIELD)
    expected = csrf_token(request)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused(_("the form's security token is missing or stale: reload the page and try again"))
    return form
