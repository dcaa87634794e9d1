"""CSRF protection for every form: a per-session token in a hidden field, compared on every POST.

The token lives in the signed session cookie (Starlette's SessionMiddleware, SameSite=Lax); a page from
another site can make a browser post to us, but cannot read the token to put in the form.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.requests import Request

FIELD = "csrf_token"
_KEY = "csrf"


class CsrfRefused(Exception):
    pass


def csrf_token(request: Request) -> str:
    token = request.session.get(_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_KEY] = token
    return token


def rotate(request: Request) -> None:
    """A new token at sign-in: a token seen before it (another person's) is worth nothing after."""
    request.session[_KEY] = secrets.token_urlsafe(32)


async def checked_form(request: Request) -> FormData:
    """The posted form, if its token is this session's; else ``CsrfRefused``."""
    form = await request.form()
    sent = form.get(FIELD)
    expected = request.session.get(_KEY)
    if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRefused("the form's security token is missing or stale: reload the page and try again")
    return form
