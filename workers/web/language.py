"""The page's language: Swedish unless the person chose English, remembered in a cookie for a year.

The choice is a plain link (``/language/en?next=/``) that anyone may follow, signed in or not: it sets a
preference and nothing else, so it needs no CSRF token. Every request's language is set before any
handler runs (pure ASGI middleware, outermost), so ``_()`` in Python and in templates agree.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from discharge.i18n import LANGUAGES, set_language
from workers.web.auth import safe_next, secure_cookies

LANGUAGE_COOKIE = "discharge_language"
REMEMBERED_SECONDS = 365 * 24 * 3600


class SpeakChosenLanguage:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            set_language(HTTPConnection(scope).cookies.get(LANGUAGE_COOKIE))
        await self.app(scope, receive, send)


async def choose_language(request: Request) -> Response:
    code = request.path_params["code"]
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=REMEMBERED_SECONDS,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request),
            path="/",
        )
    return response


ROUTES = [Route("/language/{code}", choose_language, methods=["GET"])]
