"""Security headers on every answer of the web page, the sign-in page, errors and redirects included.

- ``Content-Security-Policy``: our own scripts only, and ``frame-ancestors 'none'``, so no other page (an
  intranet page included) can frame a patient page to trick a click; ``X-Frame-Options: DENY`` says the
  same to browsers too old for CSP. Styles may be inline: the follow-up report is one self-contained page.
- ``X-Content-Type-Options: nosniff``: a response is only ever what its type says.
- ``Referrer-Policy: no-referrer``: a page's address (a patient_key, a search) never leaves with a link.
- ``Cache-Control: no-store`` on every page (only the static assets may be cached): pages carry
  identities, and neither the browser's back-button cache nor a proxy may keep them.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: The only answers that hold no patient data and may be cached.
CACHEABLE_PREFIX = "/static/"


class SecurityHeaders:
    """Pure ASGI middleware (no body buffering): adds the headers as the response starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(CACHEABLE_PREFIX)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)
