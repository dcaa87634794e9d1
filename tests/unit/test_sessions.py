"""The server-side session store, the signed page tokens and the cookie rule, without a server."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from starlette.requests import Request

from discharge.principal import Principal, issue_access_token
from discharge.sessions import SessionStore
from workers.web.auth import secure_cookies
from workers.web.paging import PageRefused, next_page, page_token

SECRET = "unit-test-session-secret-0123456789abcdef"
PERSON = Principal(hsa_id="SE2321000131-E000000000300", name="Karin", role="coordinator")


def test_a_session_is_open_until_ended_and_then_refused_by_every_reader(tmp_path: Path) -> None:
    web, codec = SessionStore(tmp_path / "sessions.db"), SessionStore(tmp_path / "sessions.db")
    token = web.open(PERSON, SECRET, ttl_seconds=600)
    verified = codec.verify(token, SECRET)
    assert verified is not None and verified[0] == PERSON
    web.end(verified[1])
    assert codec.verify(token, SECRET) is None and web.principal(token, SECRET) is None


def test_a_signed_token_without_an_open_session_is_refused(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions.db")
    store.open(PERSON, SECRET, ttl_seconds=600)
    assert store.verify(issue_access_token(PERSON, SECRET, 600), SECRET) is None  # signed, never opened
    expired = store.open(PERSON, SECRET, ttl_seconds=60, now=time.time() - 3600)
    assert store.verify(expired, SECRET) is None
    assert store.verify(store.open(PERSON, SECRET, 600), "another-secret-0123456789abcdef-xyz") is None


def test_the_store_file_is_the_owners_alone_and_holds_no_session_id(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    token = SessionStore(path).open(PERSON, SECRET, ttl_seconds=600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    session_id = SessionStore(path).verify(token, SECRET)
    assert session_id is not None
    assert session_id[1].encode() not in path.read_bytes() and PERSON.hsa_id.encode() not in path.read_bytes()


def test_a_page_token_is_ours_and_for_its_own_listing_only() -> None:
    token = page_token(b"\x01temporal-next-page", "Q1", SECRET)
    assert token is not None and next_page(token, "Q1", SECRET) == b"\x01temporal-next-page"
    assert page_token(None, "Q1", SECRET) is None and next_page(None, "Q1", SECRET) is None
    for bad in ("bad", "AAAA", token.split(".")[0], token + "A", "." + token.split(".")[1]):
        with pytest.raises(PageRefused):
            next_page(bad, "Q1", SECRET)
    with pytest.raises(PageRefused):
        next_page(token, "Q2", SECRET)


def _request(url: str) -> Request:
    scheme, rest = url.split("://")
    host = rest.split("/")[0]
    headers = [(b"host", host.encode())]
    return Request({"type": "http", "scheme": scheme, "path": "/", "headers": headers, "server": None})


def test_cookies_are_secure_everywhere_but_on_this_machines_loopback() -> None:
    assert not secure_cookies(_request("http://localhost:8080/"))
    assert not secure_cookies(_request("http://127.0.0.1:8080/"))
    assert secure_cookies(_request("http://lmv.regionhalland.se/"))  # behind a proxy: Secure anyway
    assert secure_cookies(_request("https://localhost:8443/"))
