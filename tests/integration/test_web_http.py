"""The web page over HTTP: signing in and out, sessions, and what each role sees on every page, signed in
through the real dev OpenID provider. Finding pathways and acting on them: test_web_http_actions.py.

The pathways are real (the PatientPathway workflow on the session's Temporal dev server; web_http_support.py):
each role must see exactly its own of them.
"""

from __future__ import annotations

import time

import httpx2
import pytest

from discharge.principal import ACCESS_COOKIE, Principal, issue_access_token, verify_access_token
from tests.integration.web_http_support import (
    HANDOVER,
    INPATIENT,
    PATIENTS,
    REVIEW,
    audit,
    no_identity,
    site,
)
from tests.web_support import VC_ANDERSBERG, Site, csrf_of, eventually, key_of, signed_in, state_of
from workers.web.dev_idp import COORDINATOR, LMV_PHYSICIAN, OPS_VIEWER, VC_PHYSICIAN

pytestmark = pytest.mark.integration

__all__ = ["site"]  # the module's fixture (web_http_support.py)

# ---- signed out ------------------------------------------------------------------------------------


async def test_a_signed_out_request_is_sent_to_sign_in_and_gets_no_patient_data(site: Site) -> None:
    key = key_of(REVIEW)
    async with httpx2.AsyncClient(base_url=site.url) as http:
        for path in ("/", f"/patients/{key}", "/pathways", f"/pathways?q={REVIEW}", "/audit", "/inbox/live"):
            response = await http.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/signin?next=")
            assert key not in response.text and no_identity(response.text)
        live = await http.get("/inbox/live", headers={"X-Live": "1"})
        assert live.status_code == 401
        for path in (f"/patients/{key}/decide", f"/patients/{key}/escalations/0/acknowledge"):
            refused = await http.post(path, data={"decision": "extend", "extend_days": "7", "reason": "x"})
            assert refused.status_code == 401
        page = await http.get("/signin?next=/")
        assert page.status_code == 200 and "Logga in" in page.text and no_identity(page.text)
        assert '<html lang="sv">' in page.text  # Swedish first, signed in or not
        # English on choice, remembered: the choice is a plain link that sets a cookie and goes back.
        chosen = await http.get("/language/en", params={"next": "/signin?next=/"})
        assert chosen.status_code == 303 and chosen.headers["location"] == "/signin?next=/"
        english = await http.get("/signin?next=/")
        assert '<html lang="en">' in english.text and "Sign in" in english.text
        elsewhere = await http.get("/language/sv", params={"next": "https://elsewhere.example/"})
        assert elsewhere.headers["location"] == "/"  # never an open redirect
    assert (await state_of(site.client, REVIEW)).extensions == []


async def test_sign_in_without_a_role_is_refused_and_gives_no_session(site: Site) -> None:
    async with httpx2.AsyncClient(timeout=20) as http:
        start = await http.get(f"{site.url}/auth/login?next=/")
        chosen = await http.post(start.headers["location"], data={"sub": "someone-without-a-role"})
        callback = await http.get(chosen.headers["location"])
        assert callback.status_code == 403
        assert "inget HSA-id" in callback.text or "ingen roll" in callback.text
        assert ACCESS_COOKIE not in http.cookies
        assert (await http.get(f"{site.url}/")).status_code == 303


async def test_the_sign_in_sets_the_shared_access_cookie_for_the_codec_server(site: Site) -> None:
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        token = http.cookies[ACCESS_COOKIE]
        principal = verify_access_token(token, site.settings.discharge_session_secret.get_secret_value())
        assert principal == Principal(hsa_id=COORDINATOR.hsa_id, name=COORDINATOR.name, role="coordinator")
        inbox = await http.get(f"{site.url}/")
        assert inbox.status_code == 200 and COORDINATOR.name in inbox.text


async def test_an_expired_session_is_sent_to_sign_in_again(site: Site) -> None:
    secret = site.settings.discharge_session_secret.get_secret_value()
    principal = Principal(hsa_id=COORDINATOR.hsa_id, name=COORDINATOR.name, role="coordinator")
    stale = issue_access_token(principal, secret, ttl_seconds=60, now=time.time() - 3600)
    async with httpx2.AsyncClient(base_url=site.url, cookies={ACCESS_COOKIE: stale}) as http:
        response = await http.get("/")
        assert response.status_code == 303 and "expired=1" in response.headers["location"]


async def test_sign_out_ends_the_session(site: Site) -> None:
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        inbox = await http.get(f"{site.url}/")
        refused = await http.post(f"{site.url}/signout", data={})
        assert refused.status_code == 403  # no CSRF token: still signed in
        out = await http.post(f"{site.url}/signout", data={"csrf_token": csrf_of(inbox.text)})
        assert out.status_code == 303 and out.headers["location"] == "/signin?signed_out=1"
        assert ACCESS_COOKIE not in http.cookies
        assert (await http.get(f"{site.url}/")).status_code == 303


# ---- the inbox and the roles -----------------------------------------------------------------------


async def test_the_coordinators_inbox_lists_tasks_soonest_first_and_marks_the_overdue(site: Site) -> None:
    review, handover = key_of(REVIEW), key_of(HANDOVER)
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        html = (await http.get(f"{site.url}/")).text
        tasks = html[html.index('id="tasks-h"') :]
        assert tasks.index(handover) < tasks.index(review)  # the overdue acceptance first
        handover_row = tasks[: tasks.index(f"/patients/{handover}")].rsplit("<tr", 1)[1]
        assert 'class="overdue"' in handover_row and "Försenad" in handover_row
        escalations = html[html.index('id="esc-h"') : html.index('id="tasks-h"')]
        assert "har inte tagit emot överlämningen" in escalations and handover in escalations
        assert (
            "Vårdcentralen Andersberg" in escalations
        )  # the unit by name (the HSA-id for hover and readers)
        assert no_identity(html)  # the inbox names patients by key and episode, never by personnummer
        assert "HS-" in tasks  # the episode id is shown
        only_andersberg = (await http.get(f"{site.url}/?vc={VC_ANDERSBERG}")).text
        assert handover in only_andersberg and review not in only_andersberg
        live = await http.get(f"{site.url}/inbox/live", headers={"X-Live": "1"})
        assert live.status_code == 200 and review in live.text and "<html" not in live.text


@pytest.mark.parametrize(
    ("user", "sees", "hidden"),
    [
        (COORDINATOR, [REVIEW, HANDOVER, INPATIENT], []),
        (LMV_PHYSICIAN, [REVIEW, HANDOVER], [INPATIENT]),
        (VC_PHYSICIAN, [REVIEW, INPATIENT], [HANDOVER]),
    ],
    ids=["coordinator", "lmv", "vc"],
)
async def test_each_role_sees_only_its_patients_and_their_personnummer(
    site: Site, user: object, sees: list[str], hidden: list[str]
) -> None:
    from workers.web.dev_idp import DevUser

    assert isinstance(user, DevUser)
    async with signed_in(site, user.hsa_id) as http:
        listing = (await http.get(f"{site.url}/pathways")).text
        for identity in sees:
            assert key_of(identity) in listing
            page = await http.get(f"{site.url}/patients/{key_of(identity)}")
            assert page.status_code == 200 and identity in page.text  # the personnummer, for this role
        for identity in hidden:
            assert key_of(identity) not in listing
            page = await http.get(f"{site.url}/patients/{key_of(identity)}")
            assert page.status_code == 404 and identity not in page.text
        inbox = (await http.get(f"{site.url}/")).text
        for identity in hidden:
            assert key_of(identity) not in inbox
    views = [e for e in audit(site) if e["action"] == "view_identity" and e["actor"] == user.hsa_id]
    assert {e["patient_key"] for e in views} >= {key_of(identity) for identity in sees}


async def test_ops_sees_every_pathway_and_no_identity_anywhere(site: Site) -> None:
    async with signed_in(site, OPS_VIEWER.hsa_id) as http:
        inbox = await http.get(f"{site.url}/")
        assert inbox.status_code == 303 and inbox.headers["location"] == "/pathways"
        pages_seen = [(await http.get(f"{site.url}/pathways")).text]
        for identity in PATIENTS:
            assert key_of(identity) in pages_seen[0]
            page = await http.get(f"{site.url}/patients/{key_of(identity)}")
            assert page.status_code == 200
            pages_seen.append(page.text)
        refused = await http.get(f"{site.url}/pathways", params={"q": REVIEW})
        assert refused.status_code == 400
        pages_seen.append(refused.text)
        pages_seen.append((await http.get(f"{site.url}/audit")).text)
        assert all(no_identity(html) for html in pages_seen)
        assert "Personnummer" not in pages_seen[1]
        page_html = pages_seen[1]
        decide = await http.post(
            f"{site.url}/patients/{key_of(REVIEW)}/decide",
            data={"csrf_token": csrf_of(page_html), "decision": "extend", "extend_days": "3", "reason": "x"},
        )
        assert decide.status_code == 403
        ack = await http.post(
            f"{site.url}/patients/{key_of(HANDOVER)}/escalations/0/acknowledge",
            data={"csrf_token": csrf_of(page_html), "note": "ops"},
        )
        assert ack.status_code == 403
    assert (await state_of(site.client, REVIEW)).extensions == []


async def test_the_audit_page_is_for_ops_and_coordinators_only(site: Site) -> None:
    async with signed_in(site, VC_PHYSICIAN.hsa_id) as http:
        assert (await http.get(f"{site.url}/audit")).status_code == 403
    async with signed_in(site, OPS_VIEWER.hsa_id) as http:
        audit = await http.get(f"{site.url}/audit")
        assert audit.status_code == 200 and "inloggning" in audit.text


async def test_the_health_check_needs_no_sign_in(site: Site) -> None:
    async with httpx2.AsyncClient(base_url=site.url) as http:
        assert (await http.get("/healthz")).text == "ok"
        assert (await http.get("/static/style.css")).status_code == 200
    assert await eventually(lambda: state_of(site.client, INPATIENT), lambda v: v.phase == "inpatient")


async def test_every_look_at_a_patient_page_is_logged_with_unit_and_origin_refusals_too(site: Site) -> None:
    """The review's probes: ops opening 14 patient pages wrote 0 lines, refused look-ups wrote none, and no
    line recorded the care unit."""
    before = len(audit(site))
    async with signed_in(site, OPS_VIEWER.hsa_id) as http:
        for identity in PATIENTS:
            assert (await http.get(f"{site.url}/patients/{key_of(identity)}")).status_code == 200
        page = await http.get(f"{site.url}/audit")
        assert "Kedjan är hel" in page.text
    async with signed_in(site, VC_PHYSICIAN.hsa_id) as http:
        # HANDOVER is listed at Andersberg, not at this physician's Centrum.
        assert (await http.get(f"{site.url}/patients/{key_of(HANDOVER)}")).status_code == 404
    lines = [e for e in audit(site)[before:] if e["action"] == "view_pathway"]
    ops = [e for e in lines if e["actor"] == OPS_VIEWER.hsa_id]
    assert sorted(str(e["patient_key"]) for e in ops) == sorted(key_of(identity) for identity in PATIENTS)
    assert {(e["result"], e["purpose"], e["origin"]) for e in ops} == {
        ("granted", "Administration", "web 127.0.0.1")
    }
    [refused] = [e for e in lines if e["actor"] == VC_PHYSICIAN.hsa_id]
    assert (refused["patient_key"], refused["result"]) == (key_of(HANDOVER), "refused")
    assert refused["unit"] == VC_PHYSICIAN.unit != VC_ANDERSBERG
