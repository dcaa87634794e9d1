"""Sign-in with OpenID Connect (authlib's Starlette client), the access cookie, and sign-out.

After the IdP's code flow (with PKCE, S256), the ID token's claims (``workers.web.claims``) become a
``Principal`` and the page opens a server-side session (discharge/sessions.py) and issues its own
short-lived access token for it (``discharge.principal``), set as the cookie ``ACCESS_COOKIE`` on this
host (``Secure`` unless the host is this machine's loopback): the codec server on the same host reads the
same cookie and the same session store. Sign-out ends the session in the store, so the old cookie is
refused everywhere at once. Every other request without an open session is sent to the sign-in page and
gets no patient data.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from discharge.i18n import gettext as _
from discharge.principal import ACCESS_COOKIE
from discharge.settings import Settings
from workers.web import csrf
from workers.web.claims import SCOPES, SignInRefused, principal_from_claims
from workers.web.context import web_of

#: Paths anyone may reach: the sign-in flow, the assets, the health check, the language choice.
PUBLIC_PREFIXES = ("/signin", "/auth/", "/static/", "/healthz", "/signout", "/language/")
_NEXT = "next"


def make_oauth(settings: Settings) -> OAuth:
    if not settings.discharge_oidc_issuer or not settings.discharge_oidc_client_id:
        raise ValueError("set DISCHARGE_OIDC_ISSUER and DISCHARGE_OIDC_CLIENT_ID (the region's IdP)")
    oauth = OAuth()
    secret = settings.discharge_oidc_client_secret
    oauth.register(
        name="idp",
        client_id=settings.discharge_oidc_client_id,
        client_secret=secret.get_secret_value() if secret else None,
        server_metadata_url=settings.discharge_oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        # PKCE (RFC 7636): a stolen authorization code is worthless without this sign-in's verifier.
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256"},
    )
    return oauth


#: Hosts where a cookie may go without ``Secure``: a developer's own machine over plain http.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def secure_cookies(request: Request) -> bool:
    """``Secure`` everywhere but on this machine's loopback (behind TLS, or any other host name)."""
    return request.url.scheme == "https" or (request.url.hostname or "") not in LOOPBACK_HOSTS


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


class RequireSignIn(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        if path == "/signin" or any(path.startswith(prefix) for prefix in PUBLIC_PREFIXES):
            return await call_next(request)
        web = web_of(request)
        token = request.cookies.get(ACCESS_COOKIE)
        session = web.session_of(token) if token else None
        if session is None:
            if request.headers.get("x-live") or request.method != "GET":
                return JSONResponse({"signed_in": False}, status_code=401)
            target = path + (f"?{request.url.query}" if request.url.query else "")
            expired = "&expired=1" if token else ""
            return RedirectResponse(f"/signin?{_NEXT}={quote(target)}{expired}", status_code=303)
        request.state.principal, request.state.session_id = session
        return await call_next(request)


async def signin_page(request: Request) -> Response:
    web = web_of(request)
    from workers.web.dev_idp import DEV_USERS  # the list is shown only when the dev IdP is in use

    return web.render(
        request,
        "signin.html",
        next=safe_next(request.query_params.get(_NEXT)),
        expired=bool(request.query_params.get("expired")),
        signed_out=bool(request.query_params.get("signed_out")),
        dev_users=DEV_USERS if web.show_dev_users else (),
    )


async def login(request: Request) -> Response:
    web = web_of(request)
    request.session[_NEXT] = safe_next(request.query_params.get(_NEXT))
    redirect_uri = str(request.url_for("auth_callback"))
    response: Response = await web.oauth.idp.authorize_redirect(request, redirect_uri)
    return response


async def callback(request: Request) -> Response:
    web = web_of(request)
    try:
        token = await web.oauth.idp.authorize_access_token(request)
        principal = principal_from_claims(token.get("userinfo") or {})
    except (OAuthError, SignInRefused) as error:
        message = error.description if isinstance(error, OAuthError) else str(error)
        return web.render(request, "error.html", status_code=403, title=_("Sign-in refused"), message=message)
    settings = web.settings
    ttl = int(settings.discharge_session_ttl.total_seconds())
    access = web.sessions.open(principal, settings.discharge_session_secret.get_secret_value(), ttl)
    target = safe_next(request.session.pop(_NEXT, None))
    web.record(principal, "sign_in", None)
    response = RedirectResponse(target, status_code=303)
    # Host-only (no Domain): every port of this host gets it, so the codec server beside us does too.
    response.set_cookie(
        ACCESS_COOKIE,
        access,
        max_age=ttl,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )
    return response


async def signout(request: Request) -> Response:
    web = web_of(request)
    token = request.cookies.get(ACCESS_COOKIE)
    session = web.session_of(token) if token else None
    if session is not None:
        request.state.principal, request.state.session_id = session
        try:
            await csrf.checked_form(request)
        except csrf.CsrfRefused as refused:
            return web.render(
                request, "error.html", status_code=403, title=_("Not signed out"), message=str(refused)
            )
        # Ended in the shared store: the cookie, wherever a copy of it is, opens nothing any more.
        await asyncio.to_thread(web.sessions.end, session[1])
    request.session.clear()
    response = RedirectResponse("/signin?signed_out=1", status_code=303)
    response.delete_cookie(ACCESS_COOKIE, path="/")
    return response


ROUTES = [
    Route("/signin", signin_page, methods=["GET"]),
    Route("/auth/login", login, methods=["GET"]),
    Route("/auth/callback", callback, methods=["GET"], name="auth_callback"),
    Route("/signout", signout, methods=["POST"]),
]
