"""The doors' bearer tokens: RFC 9068 access tokens checked against the issuer's keys (discharge/bearer)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey

from discharge.bearer import (
    SCOPE_FHIR_READ,
    SCOPE_SEND_EVENTS,
    BearerVerifier,
    IssuerKeys,
    StaticKeys,
    TokenRefused,
    dev_token_file,
    dev_verifier,
    issue_token,
    write_dev_tokens,
)
from workers.stack.servers import free_port

ISSUER = "https://idp.example.test/realms/region"
AUDIENCE = "https://discharge.example.test"


def new_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": uuid.uuid4().hex[:8]}, private=True)


def verifier_for(*keys: ECKey) -> BearerVerifier:
    public = KeySet([ECKey.import_key(key.as_dict(private=False)) for key in keys])
    return BearerVerifier(ISSUER, AUDIENCE, StaticKeys(public))


def token(key: ECKey, **changes: object) -> str:
    options: dict[str, object] = {
        "client_id": "pas-halland",
        "scope": SCOPE_SEND_EVENTS,
        "system": "hospital",
        "issuer": ISSUER,
        "audience": AUDIENCE,
    }
    options.update(changes)
    return issue_token(key, **options)  # type: ignore[arg-type]


async def test_a_hospital_systems_token_names_its_system() -> None:
    key = new_key()
    caller = await verifier_for(key).verify(f"Bearer {token(key)}", scope=SCOPE_SEND_EVENTS, need_system=True)
    assert (caller.client_id, caller.system) == ("pas-halland", "hospital")


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"audience": "https://someone-else.example.test"}, "not valid"),
        ({"issuer": "https://idp.other.test"}, "not valid"),
        ({"now": time.time() - 7200, "lifetime": 600}, "not valid"),  # expired an hour ago
        ({"scope": "openid profile"}, "lacks the scope"),
        ({"system": None}, "names no sending system"),
        ({"system": "pharmacy"}, "none of hospital"),
    ],
)
async def test_tokens_that_do_not_fit_are_refused(changes: dict[str, object], why: str) -> None:
    key = new_key()
    with pytest.raises(TokenRefused, match=why):
        await verifier_for(key).verify(
            f"Bearer {token(key, **changes)}", scope=SCOPE_SEND_EVENTS, need_system=True
        )


async def test_a_token_signed_by_another_key_or_not_an_access_token_is_refused() -> None:
    ours, theirs = new_key(), new_key()
    with pytest.raises(TokenRefused):
        await verifier_for(ours).verify(f"Bearer {token(theirs)}", scope=SCOPE_SEND_EVENTS, need_system=True)
    # An ID token (typ JWT) of the same issuer is not an access token (RFC 9068 §4).
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60, "system": "hospital"}
    id_token = jwt.encode({"alg": "ES256", "typ": "JWT", "kid": ours.kid}, claims, ours)
    with pytest.raises(TokenRefused, match="typ must be at\\+jwt"):
        await verifier_for(ours).verify(f"Bearer {id_token}", scope="", need_system=False)
    # HS256 with a shared secret: never accepted, whatever the secret.
    secret = OctKey.import_key("s" * 32)
    symmetric = jwt.encode({"alg": "HS256", "typ": "at+jwt"}, claims, secret)
    with pytest.raises(TokenRefused):
        await verifier_for(ours).verify(f"Bearer {symmetric}", scope="", need_system=False)


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwdw==", "Bearer ", "Bearer not.a.jwt"])
async def test_no_token_or_garbage_is_refused(header: str | None) -> None:
    with pytest.raises(TokenRefused):
        await verifier_for(new_key()).verify(header, scope=SCOPE_SEND_EVENTS, need_system=True)


async def issuer_server(keys: list[ECKey], calls: list[str]) -> AsyncIterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    async def metadata(request: web.Request) -> web.Response:
        calls.append("metadata")
        return web.json_response({"issuer": base, "jwks_uri": f"{base}/jwks"})

    async def jwks(request: web.Request) -> web.Response:
        calls.append("jwks")
        return web.json_response({"keys": [key.as_dict(private=False) for key in keys]})

    app = web.Application()
    app.router.add_get("/.well-known/oauth-authorization-server", metadata)
    app.router.add_get("/jwks", jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield base
    finally:
        await runner.cleanup()


async def test_keys_come_from_the_issuers_metadata_once_and_again_after_a_rotation(monkeypatch) -> None:
    first, rotated = new_key(), new_key()
    keys, calls = [first], list[str]()
    async for base in issuer_server(keys, calls):
        verifier = BearerVerifier(base, AUDIENCE, IssuerKeys(base))
        for _ in range(3):
            caller = await verifier.verify(
                f"Bearer {token(first, issuer=base)}", scope=SCOPE_SEND_EVENTS, need_system=True
            )
            assert caller.system == "hospital"
        assert calls == ["metadata", "jwks"]  # cached
        # Unknown key, too soon after the last fetch: refused without asking the issuer again.
        keys.append(rotated)
        with pytest.raises(TokenRefused):
            await verifier.verify(
                f"Bearer {token(rotated, issuer=base)}", scope=SCOPE_SEND_EVENTS, need_system=True
            )
        assert calls == ["metadata", "jwks"]
        monkeypatch.setattr("discharge.bearer.REFRESH_FLOOR", 0.0)
        caller = await verifier.verify(
            f"Bearer {token(rotated, issuer=base)}", scope=SCOPE_SEND_EVENTS, need_system=True
        )
        assert caller.system == "hospital" and calls.count("jwks") == 2


async def test_discharge_dev_writes_a_private_token_per_sending_system_and_a_fhir_reader(
    tmp_path: Path,
) -> None:
    written = write_dev_tokens(tmp_path)
    assert set(written) == {"hospital", "primarycare", "municipality", "coordination", "fhir-reader"}
    verifier = dev_verifier(tmp_path)
    for system in ("hospital", "municipality"):
        path = dev_token_file(tmp_path, system)
        assert path.stat().st_mode & 0o777 == 0o600
        caller = await verifier.verify(
            f"Bearer {path.read_text().strip()}", scope=SCOPE_SEND_EVENTS, need_system=True
        )
        assert caller.system == system
    reader = dev_token_file(tmp_path, "fhir-reader").read_text().strip()
    fhir = await verifier.verify(f"Bearer {reader}", scope=SCOPE_FHIR_READ, need_system=False)
    assert fhir.system is None
    with pytest.raises(TokenRefused):
        await verifier.verify(f"Bearer {reader}", scope=SCOPE_SEND_EVENTS, need_system=True)
    # The issuer key is kept: a second start's verifier accepts the first start's tokens.
    again = dev_verifier(tmp_path)
    hospital = dev_token_file(tmp_path, "hospital").read_text().strip()
    assert (await again.verify(f"Bearer {hospital}", scope=SCOPE_SEND_EVENTS, need_system=True)).system


async def test_a_verified_token_is_not_verified_again_until_it_expires() -> None:
    key = new_key()
    public = KeySet([ECKey.import_key(key.as_dict(private=False))])
    asked: list[bool] = []

    class CountingKeys(StaticKeys):
        async def keys(self, *, refresh: bool = False) -> KeySet:
            asked.append(refresh)
            return public

    verifier = BearerVerifier(ISSUER, AUDIENCE, CountingKeys(public))
    hour = token(key)
    for _ in range(3):
        assert (await verifier.verify(f"Bearer {hour}", scope=SCOPE_SEND_EVENTS, need_system=True)).system
    assert asked == [False]  # verified once
    # Its scope is still checked per door: the cache keeps claims, not a decision.
    with pytest.raises(TokenRefused, match="lacks the scope"):
        await verifier.verify(f"Bearer {hour}", scope=SCOPE_FHIR_READ, need_system=False)
    # A token past its exp is not served from the cache: verified again (and refused, beyond the leeway).
    soon = token(key, now=time.time() - 3600, lifetime=3599)
    assert (await verifier.verify(f"Bearer {soon}", scope=SCOPE_SEND_EVENTS, need_system=True)).system
    await asyncio.sleep(1.1)
    await verifier.verify(f"Bearer {soon}", scope=SCOPE_SEND_EVENTS, need_system=True)  # within the leeway
    assert len(asked) == 3
