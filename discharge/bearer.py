"""OAuth 2.0 bearer tokens for the doors that other systems call (HTTP now, FHIR later).

Who calls is a *system*, not a person: a hospital's, a municipality's or a primary-care system, or a FHIR
reader, each with an access token of the region's authorisation server obtained with the client-credentials
grant. The token is a JWT access token as RFC 9068 profiles it, checked here:

* the signature, against the issuer's published keys: its metadata (RFC 8414
  ``/.well-known/oauth-authorization-server``, or OpenID Connect's ``openid-configuration``) names
  ``jwks_uri``; the key set is cached for `KEYS_TTL` and fetched again at most every `REFRESH_FLOOR` when a
  token names a key we do not have (the issuer rotated keys) — never once per bad token;
* ``typ`` = ``at+jwt`` (RFC 9068 §4: an ID token or another JWT of the same issuer is not an access token),
  an asymmetric algorithm (never ``none`` or HS256 with the public key as secret);
* ``iss`` the configured issuer, ``aud`` containing the configured audience, ``exp`` in the future (with a
  minute of leeway), ``nbf``/``iat`` not in the future;
* ``system`` (one of `SYSTEMS`, the sending systems of the contract) when a door needs one, and ``scope``
  (space-separated, RFC 9068 §2.2.3) containing the scope the door asks for.

`discharge dev` has its own issuer: a P-256 key in ``<data dir>/keys/http/issuer.jwk`` (0600) and one
development token per sending system in ``<data dir>/keys/http/<system>.token``, plus ``fhir-reader.token``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from joserfc.jwt import JWTClaimsRegistry

from discharge.keyring import keys_dir

#: The sending systems of the contract: a token's ``system`` claim, and the first part of the types it sends.
SYSTEMS: tuple[str, ...] = ("hospital", "primarycare", "municipality", "coordination")
#: Scopes of the doors: sending events (`discharge http`), reading the FHIR API (`discharge fhir`).
SCOPE_SEND_EVENTS = "events.send"
#: SMART v2 system scopes (`rs`: read and search); the door accepts the v1 form `.read` too.
SCOPE_FHIR_READ = "system/EpisodeOfCare.rs system/Task.rs"
#: RFC 9068 §4: the ``typ`` header of a JWT access token (``application/at+jwt`` in full).
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
#: Asymmetric algorithms only: the issuer's public keys are public.
ALGORITHMS = ["RS256", "PS256", "ES256", "ES384", "EdDSA"]
KEYS_TTL = 300.0
REFRESH_FLOOR = 30.0
LEEWAY = 60
#: Tokens kept as verified until their ``exp`` (a sending system reuses one for its lifetime).
VERIFIED_CACHE_SIZE = 1024

#: `discharge dev`'s own issuer and audience, when DISCHARGE_HTTP_ISSUER / _AUDIENCE are not set.
DEV_ISSUER = "urn:discharge:dev-issuer"
DEV_AUDIENCE = "urn:discharge:doors"
DEV_TOKEN_LIFETIME = 90 * 24 * 3600


class TokenRefused(Exception):
    """No valid token; ``reason`` says why in words that quote nothing of the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Caller:
    """Who a valid token speaks for."""

    client_id: str
    system: str | None
    scopes: frozenset[str]


class KeySource(Protocol):
    async def keys(self, *, refresh: bool = False) -> KeySet: ...


class StaticKeys:
    """A fixed key set: `discharge dev`'s issuer, whose public key is in the data dir."""

    def __init__(self, keys: KeySet) -> None:
        self._keys = keys

    async def keys(self, *, refresh: bool = False) -> KeySet:
        return self._keys


class IssuerKeys:
    """The issuer's JWKS, found through its metadata and cached."""

    def __init__(self, issuer: str, client: httpx.AsyncClient | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=5.0)
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    async def keys(self, *, refresh: bool = False) -> KeySet:
        age = time.monotonic() - self._fetched_at
        if self._keys is None or age > KEYS_TTL or (refresh and age > REFRESH_FLOOR):
            jwks = await self._client.get(await self._jwks_uri())
            jwks.raise_for_status()
            self._keys = KeySet.import_key_set(jwks.json())
            self._fetched_at = time.monotonic()
        return self._keys

    async def _jwks_uri(self) -> str:
        for well_known in ("oauth-authorization-server", "openid-configuration"):
            response = await self._client.get(f"{self.issuer}/.well-known/{well_known}")
            if response.status_code == 200:
                uri = response.json().get("jwks_uri")
                if isinstance(uri, str):
                    return uri
        raise TokenRefused("the issuer's metadata names no jwks_uri")


class BearerVerifier:
    """Checks one ``Authorization`` header's token; raises `TokenRefused` or returns the `Caller`."""

    def __init__(self, issuer: str, audience: str, source: KeySource) -> None:
        self.issuer = issuer
        self.audience = audience
        self._source = source
        self._verified: dict[str, tuple[dict[str, Any], float]] = {}
        self._claims = JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
        )

    async def verify(self, authorization: str | None, *, scope: str, need_system: bool) -> Caller:
        token = bearer_token(authorization)
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            # The same token again (a client sends it for an hour): its signature and claims were checked.
            return caller_of(cached[0], scope=scope, need_system=need_system)
        try:
            try:
                decoded = jwt.decode(token, await self._source.keys(), algorithms=ALGORITHMS)
            except JoseError:
                decoded = jwt.decode(token, await self._source.keys(refresh=True), algorithms=ALGORITHMS)
            if str(decoded.header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
                raise TokenRefused("not an access token (typ must be at+jwt, RFC 9068)")
            self._claims.validate(decoded.claims)
        except TokenRefused:
            raise
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise TokenRefused(f"the token is not valid here ({type(error).__name__})") from None
        except httpx.HTTPError as error:
            raise TokenRefused(f"the issuer's keys could not be fetched ({type(error).__name__})") from None
        caller = caller_of(decoded.claims, scope=scope, need_system=need_system)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # bounded: many clients at once just verify again
        self._verified[token] = (decoded.claims, float(decoded.claims["exp"]))
        return caller


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("no bearer token (Authorization: Bearer <access token>)")
    return token.strip()


def caller_of(claims: Mapping[str, Any], *, scope: str, need_system: bool) -> Caller:
    granted = claims.get("scope", "")
    scopes = frozenset(granted.split()) if isinstance(granted, str) else frozenset()
    if not set(scope.split()) <= scopes:
        raise TokenRefused(f"the token lacks the scope {scope}")
    system = claims.get("system")
    if system is not None and system not in SYSTEMS:
        raise TokenRefused(f"the token's system is none of {', '.join(SYSTEMS)}")
    if need_system and system is None:
        raise TokenRefused("the token names no sending system (claim system)")
    client_id = claims.get("client_id") or claims.get("sub")
    if not isinstance(client_id, str):
        raise TokenRefused("the token names no client (client_id or sub)")
    return Caller(client_id=client_id, system=system, scopes=scopes)


# --- `discharge dev`'s own issuer -------------------------------------------------------------------------


def dev_keys_dir(data_dir: Path) -> Path:
    return keys_dir(data_dir) / "http"


def dev_token_file(data_dir: Path, name: str) -> Path:
    """``<data dir>/keys/http/<system>.token`` (or ``fhir-reader.token``)."""
    return dev_keys_dir(data_dir) / f"{name}.token"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.unlink(missing_ok=True)
    tmp.touch(mode=0o600)
    tmp.write_text(text)
    tmp.replace(path)


def dev_issuer_key(data_dir: Path) -> ECKey:
    """The development issuer's signing key, made on first use and kept (tokens outlive one start)."""
    path = dev_keys_dir(data_dir) / "issuer.jwk"
    if not path.exists():
        key = ECKey.generate_key("P-256", parameters={"kid": uuid.uuid4().hex[:16]}, private=True)
        _write_private(path, json.dumps(key.as_dict(private=True)))
    return ECKey.import_key(json.loads(path.read_text()))


def dev_verifier(data_dir: Path) -> BearerVerifier:
    key = dev_issuer_key(data_dir)
    public = KeySet([ECKey.import_key(key.as_dict(private=False))])
    return BearerVerifier(DEV_ISSUER, DEV_AUDIENCE, StaticKeys(public))


def issue_token(
    key: ECKey,
    *,
    client_id: str,
    scope: str,
    system: str | None = None,
    issuer: str = DEV_ISSUER,
    audience: str = DEV_AUDIENCE,
    lifetime: int = DEV_TOKEN_LIFETIME,
    now: float | None = None,
) -> str:
    """An RFC 9068 access token signed with ``key`` (the dev issuer's; tests use their own)."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": client_id,
        "client_id": client_id,
        "iat": issued,
        "exp": issued + lifetime,
        "jti": uuid.uuid4().hex,
        "scope": scope,
    }
    if system is not None:
        claims["system"] = system
    header = {"alg": "ES256", "typ": "at+jwt", "kid": key.kid}
    return jwt.encode(header, claims, key, algorithms=["ES256"])


def write_dev_tokens(data_dir: Path) -> dict[str, Path]:
    """A fresh development token per sending system and for a FHIR reader; where each is."""
    key = dev_issuer_key(data_dir)
    written = {}
    for system in SYSTEMS:
        token = issue_token(key, client_id=f"dev-{system}", scope=SCOPE_SEND_EVENTS, system=system)
        written[system] = dev_token_file(data_dir, system)
        _write_private(written[system], token + "\n")
    reader = issue_token(key, client_id="dev-fhir-reader", scope=SCOPE_FHIR_READ)
    written["fhir-reader"] = dev_token_file(data_dir, "fhir-reader")
    _write_private(written["fhir-reader"], reader + "\n")
    return written
