"""Who is calling the codec server, and may they read patient data.

Two kinds of credential are accepted, each as ``Authorization: Bearer`` (a script, curl) or, for our own
token, as the ``ACCESS_COOKIE`` cookie that the coordinators' web page sets at sign-in on the same host
(the Temporal UI sends it with "Include cross-origin credentials" on):

* our access token (discharge/principal.py, HS256 signed with ``DISCHARGE_SESSION_SECRET``): issued by
  the web page at sign-in, or printed by `discharge dev` for ops, and honoured only while its session is
  open in the session store the web page shares with us (discharge/sessions.py: refused after sign-out);
* in production, an access token of the OIDC issuer (``DISCHARGE_OIDC_ISSUER``): signature verified with
  the issuer's published keys (JWKS), ``iss`` the issuer, ``aud`` containing ``DISCHARGE_OIDC_CLIENT_ID``,
  not expired. Claims: ``hsa_id`` (else ``sub``) the person's HSA-id, ``name``, and ``role`` (or the first
  of ``roles``) one of coordinator, lmv, vc, ops.

Only coordinators and ops may decode: coordinators care for every patient on the pathway, ops read a
history to run the system; LMV and VC staff see their patients in the web page, not in Temporal's UI.
Every decode is audited (workers/codec_server/app.py).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import structlog
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from pydantic import ValidationError
from starlette.requests import Request

from discharge.principal import ACCESS_COOKIE, ROLES, Principal, verify_access_token
from discharge.sessions import SessionStore

#: The roles that may see decoded payloads (patient identities) in the Temporal UI.
DECODE_ROLES = frozenset({"coordinator", "ops"})
#: How long the issuer's keys are trusted before they are fetched again (key rotation at the issuer).
JWKS_TTL_SECONDS = 300.0


def bearer_or_cookie(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(ACCESS_COOKIE) or None


class OidcVerifier:
    """Access tokens of one OIDC issuer, checked against its JWKS (fetched once, refreshed on expiry)."""

    def __init__(self, issuer: str, audience: str, client: httpx.AsyncClient | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._client = client or httpx.AsyncClient(timeout=5.0)
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    async def _key_set(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh or time.monotonic() - self._fetched_at > JWKS_TTL_SECONDS:
            discovery = await self._client.get(f"{self.issuer}/.well-known/openid-configuration")
            discovery.raise_for_status()
            jwks = await self._client.get(discovery.json()["jwks_uri"])
            jwks.raise_for_status()
            self._keys = KeySet.import_key_set(jwks.json())
            self._fetched_at = time.monotonic()
        return self._keys

    async def verify(self, token: str) -> Principal | None:
        try:
            try:
                decoded = jwt.decode(token, await self._key_set())
            except JoseError:
                # A key the issuer rotated in since our last fetch: look once more.
                decoded = jwt.decode(token, await self._key_set(refresh=True))
            JWTClaimsRegistry(
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
            ).validate(decoded.claims)
            return _principal_of(decoded.claims)
        except (JoseError, ValidationError, KeyError, ValueError, TypeError, httpx.HTTPError) as error:
            structlog.get_logger().info("oidc token refused", reason=type(error).__name__)
            return None


def _principal_of(claims: dict[str, Any]) -> Principal:
    roles = claims.get("roles") or []
    role = claims.get("role") or next((r for r in roles if r in ROLES), None)
    return Principal(
        hsa_id=claims.get("hsa_id") or claims["sub"], name=claims.get("name") or "", role=role, unit=None
    )


class Authenticator:
    def __init__(self, session_secret: str, oidc: OidcVerifier | None, sessions: SessionStore) -> None:
        self._secret = session_secret
        self._oidc = oidc
        self._sessions = sessions

    async def principal(self, request: Request) -> Principal | None:
        token = bearer_or_cookie(request)
        if token is None:
            return None
        if verify_access_token(token, self._secret) is not None:
            # Ours: valid only while its session is open (the web page's sign-out ends it here too).
            return await asyncio.to_thread(self._sessions.principal, token, self._secret)
        if self._oidc is None:
            return None
        return await self._oidc.verify(token)
