"""Who is asking: the signed-in person (or ops tool), and the short-lived token that carries them.

The web page signs a person in with OpenID Connect and then issues an *access token* of its own: an HS256
JWT (joserfc) with the person's HSA-id, name, role and unit, and a short expiry. It is set as the cookie
``ACCESS_COOKIE`` on the web page's host. Cookies are per host, not per port, so the codec server on the same
host (the Temporal UI calls it from the browser with credentials) can read the same cookie and know who
decodes a history; a script can send the same token as ``Authorization: Bearer``. `discharge dev` prints one
for ops. The signing secret is ``DISCHARGE_SESSION_SECRET``, shared by the web page and the codec server only.

Every token names its session (``sid``): a signed token is honoured only while that session is open in the
server-side session store (discharge/sessions.py), so signing out ends it at once, everywhere.
"""

from __future__ import annotations

import secrets
import time
from typing import Literal

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from joserfc.jwt import JWTClaimsRegistry
from pydantic import BaseModel, ConfigDict, ValidationError

#: coordinator: every patient, decides; lmv: patients in LMV support; vc: patients listed at its unit;
#: ops: no identities in the web page (the Temporal UI's codec server is its audited exception).
Role = Literal["coordinator", "lmv", "vc", "ops"]
ROLES: tuple[Role, ...] = ("coordinator", "lmv", "vc", "ops")

ACCESS_COOKIE = "discharge_access"
_ISSUER = "discharge-orchestrator"


class Principal(BaseModel):
    """A signed-in person. ``hsa_id`` is their HSA-id (or an ops client's identity)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hsa_id: str
    name: str
    role: Role
    unit: str | None = None  # the VC's HSA-id for role vc; LMV's team for lmv


def _key(secret: str) -> OctKey:
    return OctKey.import_key(secret.encode("utf-8"))


def issue_access_token(
    principal: Principal,
    secret: str,
    ttl_seconds: int,
    now: float | None = None,
    session_id: str | None = None,
) -> str:
    """A signed token; ``session_id`` names the server-side session (a fresh random one by default)."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": _ISSUER,
        "sid": session_id or secrets.token_urlsafe(24),
        "sub": principal.hsa_id,
        "name": principal.name,
        "role": principal.role,
        "unit": principal.unit,
        "iat": issued,
        "exp": issued + ttl_seconds,
    }
    return jwt.encode({"alg": "HS256"}, claims, _key(secret))


def verify_access_token(token: str, secret: str, now: float | None = None) -> Principal | None:
    """The principal of a valid, unexpired token of ours; None for anything else (never raises).

    The signature alone: whether its session is still open is the session store's to say."""
    verified = verify_session_token(token, secret, now)
    return verified[0] if verified is not None else None


def verify_session_token(token: str, secret: str, now: float | None = None) -> tuple[Principal, str] | None:
    """The principal and session id of a valid, unexpired token of ours; None for anything else."""
    try:
        decoded = jwt.decode(token, _key(secret), algorithms=["HS256"])
        registry = JWTClaimsRegistry(
            now=int(time.time() if now is None else now),
            iss={"essential": True, "value": _ISSUER},
            exp={"essential": True},
            sub={"essential": True},
            sid={"essential": True},
        )
        registry.validate(decoded.claims)
        claims = decoded.claims
        principal = Principal(
            hsa_id=claims["sub"], name=claims["name"], role=claims["role"], unit=claims.get("unit")
        )
        session_id = claims["sid"]
        if not isinstance(session_id, str) or not session_id:
            return None
        return principal, session_id
    except (JoseError, ValidationError, KeyError, ValueError, TypeError):
        return None
