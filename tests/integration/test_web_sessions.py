"""The web page's session and trail (issue 28 item 4), over HTTP through the real dev OpenID provider:
sign-out ends the session at the web page and at the codec server, identity searches only by the POSTed
form, one answer for "not yours" and "none", PKCE, the security headers, and paging that refuses what it
did not hand out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
import uvicorn

from discharge.audit import AuditLog
from discharge.codec import EncryptionCodec
from discharge.i18n import gettext
from discharge.keyring import new_ring
from discharge.principal import ACCESS_COOKIE
from tests.integration.web_http_support import HANDOVER, REVIEW, audit, no_identity, site
from tests.web_support import Site, csrf_of, key_of, signed_in
from workers.codec_server.app import build_app as build_codec_app
from workers.codec_server.service import authenticator
from workers.stack.servers import free_port
from workers.web import pages
from workers.web.dev_idp import COORDINATOR, OPS_VIEWER, VC_PHYSICIAN
from workers.web.headers import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.integration

__all__ = ["site"]  # the module's fixture (web_http_support.py)


@pytest.fixture
async def codec_url(site: Site) -> AsyncIterator[str]:
    """The codec server as `discharge codec-server` runs it beside the web page: same secret, same store."""
    port = free_port()
    app = build_codec_app(
        EncryptionCodec(new_ring()), authenticator(site.settings), AuditLog(site.audit_path), []
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def test_a_cookie_used_after_sign_out_is_refused_by_the_web_page_and_the_codec_server(
    site: Site, codec_url: str
) -> None:
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        cookie = http.cookies[ACCESS_COOKIE]
        inbox = await http.get(f"{site.url}/")
        assert inbox.status_code == 200
        assert (await http.post(f"{codec_url}/decode", json={"payloads": []})).status_code == 200
        out = await http.post(f"{site.url}/signout", data={"csrf_token": csrf_of(inbox.text)})
        assert out.status_code == 303
    # A copy of the cookie kept from before the sign-out (another tab, a stolen copy) opens nothing.
    async with httpx2.AsyncClient(cookies={ACCESS_COOKIE: cookie}, timeout=20) as stolen:
        page = await stolen.get(f"{site.url}/patients/{key_of(REVIEW)}")
        assert page.status_code == 303 and page.headers["location"].startswith("/signin")
        codec = await stolen.post(f"{codec_url}/decode", json={"payloads": []})
        assert codec.status_code == 401
        bearer = await httpx2.AsyncClient(timeout=20).post(
            f"{codec_url}/decode", json={"payloads": []}, headers={"Authorization": f"Bearer {cookie}"}
        )
        assert bearer.status_code == 401


async def test_a_link_from_another_site_makes_no_identity_search_and_writes_no_line(site: Site) -> None:
    review = key_of(REVIEW)
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        lines_before = len(audit(site))
        # What a link on another site makes a signed-in browser send: a top-level GET with the cookie.
        for number in (REVIEW, REVIEW.replace("-", "")):
            crafted = await http.get(
                f"{site.url}/pathways", params={"q": number}, headers={"Sec-Fetch-Site": "cross-site"}
            )
            assert crafted.status_code == 400
            assert review not in crafted.text and no_identity(crafted.text)
        # Nor can another site post the form: it cannot read this session's token.
        forged = await http.post(f"{site.url}/pathways", data={"q": REVIEW})
        assert forged.status_code == 403 and review not in forged.text
        assert len(audit(site)) == lines_before
        token = csrf_of((await http.get(f"{site.url}/")).text)
        form = await http.post(f"{site.url}/pathways", data={"q": REVIEW, "csrf_token": token})
        assert form.status_code == 200 and review in form.text and no_identity(form.text)
    searches = [e for e in audit(site)[lines_before:] if e["action"] == "search_identity"]
    assert [(e["actor"], e["patient_key"]) for e in searches] == [(COORDINATOR.hsa_id, review)]


async def test_the_csrf_token_is_bound_to_the_session(site: Site) -> None:
    async with signed_in(site, COORDINATOR.hsa_id) as first:
        token = csrf_of((await first.get(f"{site.url}/")).text)
        async with signed_in(site, COORDINATOR.hsa_id) as second:
            refused = await second.post(f"{site.url}/pathways", data={"q": REVIEW, "csrf_token": token})
            assert refused.status_code == 403
            own = csrf_of((await second.get(f"{site.url}/")).text)
            assert own != token


async def test_not_among_yours_and_no_such_pathway_get_one_answer(site: Site) -> None:
    unknown = key_of("19101010-1010")  # a well-formed patient_key nobody has a pathway for
    async with signed_in(site, VC_PHYSICIAN.hsa_id) as http:
        elsewhere = await http.get(f"{site.url}/patients/{key_of(HANDOVER)}")  # Andersberg's, not Centrum's
        nobody = await http.get(f"{site.url}/patients/{unknown}")
        malformed = await http.get(f"{site.url}/patients/pk_nope")
    assert elsewhere.status_code == nobody.status_code == malformed.status_code == 404

    def message(html: str) -> str:
        main = html[html.index("<main") : html.index("</main>")]
        return main.replace(key_of(HANDOVER), "").replace(unknown, "")

    assert message(elsewhere.text) == message(nobody.text) == message(malformed.text)
    assert gettext(pages.NOT_YOURS) in elsewhere.text


async def test_the_sign_in_sends_pkce_s256(site: Site) -> None:
    async with httpx2.AsyncClient(timeout=20) as http:
        start = await http.get(f"{site.url}/auth/login?next=/")
        query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256, unpadded
    async with signed_in(site, COORDINATOR.hsa_id) as http:  # and the IdP accepts the verifier
        assert (await http.get(f"{site.url}/")).status_code == 200


async def test_every_page_carries_the_security_headers_and_no_store(site: Site) -> None:
    key = key_of(REVIEW)
    answers: list[httpx2.Response] = []
    async with httpx2.AsyncClient(base_url=site.url, timeout=20) as anonymous:
        for path in ("/signin", "/healthz", "/", f"/patients/{key}", "/nowhere"):
            answers.append(await anonymous.get(path))
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        for path in ("/", f"/patients/{key}", "/pathways", "/audit", "/report", "/inbox/live", "/nowhere"):
            answers.append(await http.get(f"{site.url}{path}"))
        answers.append(await http.post(f"{site.url}/pathways", data={"q": REVIEW}))  # a refusal too
    assert {answer.status_code for answer in answers} >= {200, 303, 403, 404}
    for answer in answers:
        where = f"{answer.request.method} {answer.request.url.path} {answer.status_code}"
        assert answer.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, where
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert answer.headers.get("x-frame-options") == "DENY", where
        assert answer.headers.get("x-content-type-options") == "nosniff", where
        assert answer.headers.get("referrer-policy") == "no-referrer", where
        assert answer.headers.get("cache-control") == "no-store", where


async def test_a_page_token_we_did_not_hand_out_is_a_400_at_once(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_SIZE", 1)
    async with signed_in(site, OPS_VIEWER.hsa_id) as http:
        first = (await http.get(f"{site.url}/pathways")).text
        link = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        assert (await http.get(f"{site.url}{link}")).status_code == 200
        token = parse_qs(urlsplit(link).query)["page"][0]
        body, _, mac = token.partition(".")
        for bad in ("bad", "AAAA", body, f"{body}x.{mac}", token + "A", f"{body}.{mac[::-1]}"):
            started = asyncio.get_running_loop().time()
            answer = await http.get(f"{site.url}/pathways", params={"page": bad})
            assert answer.status_code == 400, bad
            assert asyncio.get_running_loop().time() - started < 2.0
        # A page of one listing is not a page of another.
        other = await http.get(f"{site.url}/pathways", params={"q": key_of(REVIEW), "page": token})
        assert other.status_code == 400


async def test_ops_sees_no_free_text_reasons_or_notes(site: Site) -> None:
    key = key_of(HANDOVER)
    note = "ringer dottern om läkemedlen"  # free text: may say anything about the patient
    reason = "dottern vill inte att mamma flyttar"
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        page = (await http.get(f"{site.url}/patients/{key}")).text
        done = await http.post(
            f"{site.url}/patients/{key}/escalations/0/acknowledge",
            data={"csrf_token": csrf_of(page), "note": note},
        )
        assert done.status_code == 303
        # Free text is read from the pathway in its full event log, never from the read model (issue 26).
        assert note not in (await http.get(f"{site.url}/patients/{key}")).text
        assert note in (await http.get(f"{site.url}/patients/{key}/story")).text
    review = key_of(REVIEW)
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        page = (await http.get(f"{site.url}/patients/{review}")).text
        decided = await http.post(
            f"{site.url}/patients/{review}/decide",
            data={"csrf_token": csrf_of(page), "decision": "handover", "reason": reason},
        )
        assert decided.status_code == 303
        assert reason in (await http.get(f"{site.url}/patients/{review}/story")).text
    async with signed_in(site, OPS_VIEWER.hsa_id) as http:
        shown = await http.get(f"{site.url}/patients/{key}/story")
        assert shown.status_code == 200 and note not in shown.text
        decision = await http.get(f"{site.url}/patients/{review}/story")
        assert decision.status_code == 200 and reason not in decision.text
        assert "handover (the reason is not shown to ops)" in decision.text
