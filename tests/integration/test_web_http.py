"""The web page over HTTP, every route and role, signed in through the real dev OpenID provider.

The pathways are real (the PatientPathway workflow on the session's Temporal dev server): a patient in
extension review at Vårdcentralen Centrum, one whose handover to Andersberg is overdue and escalated, and
an inpatient at Centrum. Each role must see exactly its own of them.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx2
import pytest

from discharge.audit import AuditLog
from discharge.principal import ACCESS_COOKIE, Principal, issue_access_token, verify_access_token
from tests.web_support import (
    VC_ANDERSBERG,
    VC_CENTRUM,
    Site,
    csrf_of,
    eventually,
    finish,
    key_of,
    personnummer,
    seed,
    signed_in,
    state_of,
    visible,
)
from workers.web import pages
from workers.web.dev_idp import COORDINATOR, LMV_PHYSICIAN, OPS_VIEWER, VC_PHYSICIAN

pytestmark = pytest.mark.integration

REVIEW = personnummer("19050505", "123")  # high risk, discharged 12 days ago, Centrum: review open
HANDOVER = personnummer("19060606", "234")  # standard risk, discharged 3 days ago, Andersberg: overdue
INPATIENT = personnummer("19070707", "345")  # still in hospital, Centrum
PATIENTS = [REVIEW, HANDOVER, INPATIENT]


@pytest.fixture(scope="module")
async def site(web_site: Site) -> AsyncIterator[Site]:
    await seed(
        web_site,
        {
            REVIEW: ("high", 12, VC_CENTRUM),
            HANDOVER: ("standard", 3, VC_ANDERSBERG),
            INPATIENT: (None, None, VC_CENTRUM),
        },
        {
            REVIEW: lambda v: v.phase == "extension_review" and bool(v.escalations),
            HANDOVER: lambda v: v.phase == "handover" and "handover_not_accepted" in v.escalations,
            INPATIENT: lambda v: v.phase == "inpatient",
        },
    )
    await visible(web_site, [key_of(identity) for identity in PATIENTS])
    yield web_site
    await finish(web_site, PATIENTS)


def _digits(identity: str) -> list[str]:
    """Every way a personnummer could be printed."""
    return [identity, identity.replace("-", "")]


def _no_identity(html: str) -> bool:
    return not any(form in html for identity in PATIENTS for form in _digits(identity))


def _audit(site: Site) -> list[dict[str, object]]:
    return [json.loads(entry.model_dump_json()) for entry in AuditLog(site.audit_path).entries()]


# ---- signed out ------------------------------------------------------------------------------------


async def test_a_signed_out_request_is_sent_to_sign_in_and_gets_no_patient_data(site: Site) -> None:
    key = key_of(REVIEW)
    async with httpx2.AsyncClient(base_url=site.url) as http:
        for path in ("/", f"/patients/{key}", "/pathways", f"/pathways?q={REVIEW}", "/audit", "/inbox/live"):
            response = await http.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/signin?next=")
            assert key not in response.text and _no_identity(response.text)
        live = await http.get("/inbox/live", headers={"X-Live": "1"})
        assert live.status_code == 401
        for path in (f"/patients/{key}/decide", f"/patients/{key}/escalations/0/acknowledge"):
            refused = await http.post(path, data={"decision": "extend", "extend_days": "7", "reason": "x"})
            assert refused.status_code == 401
        page = await http.get("/signin?next=/")
        assert page.status_code == 200 and "Sign in" in page.text and _no_identity(page.text)
    assert (await state_of(site.client, REVIEW)).extensions == []


async def test_sign_in_without_a_role_is_refused_and_gives_no_session(site: Site) -> None:
    async with httpx2.AsyncClient(timeout=20) as http:
        start = await http.get(f"{site.url}/auth/login?next=/")
        chosen = await http.post(start.headers["location"], data={"sub": "someone-without-a-role"})
        callback = await http.get(chosen.headers["location"])
        assert callback.status_code == 403
        assert "no HSA-id" in callback.text or "no role" in callback.text
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
        handover_row = tasks[: tasks.index(handover)].rsplit("<tr", 1)[1]
        assert 'class="overdue"' in handover_row and "Overdue" in handover_row
        escalations = html[html.index('id="esc-h"') : html.index('id="tasks-h"')]
        assert "has not accepted the handover" in escalations and handover in escalations
        assert _no_identity(html)  # the inbox names patients by key and episode, never by personnummer
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
    views = [e for e in _audit(site) if e["action"] == "view_identity" and e["actor"] == user.hsa_id]
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
        assert all(_no_identity(html) for html in pages_seen)
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
        assert audit.status_code == 200 and "sign in" in audit.text


# ---- pathways search -------------------------------------------------------------------------------


async def test_pathways_are_found_by_personnummer_episode_and_vc_and_paged(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    review = key_of(REVIEW)
    view = await state_of(site.client, REVIEW)
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        by_number = (await http.get(f"{site.url}/pathways", params={"q": REVIEW})).text
        assert review in by_number and key_of(HANDOVER) not in by_number
        assert _no_identity(by_number)  # the box shows the patient_key, never the number typed
        searches = [
            e for e in _audit(site) if e["action"] == "search_identity" and e["patient_key"] == review
        ]
        assert searches and searches[-1]["actor"] == COORDINATOR.hsa_id
        by_episode = (await http.get(f"{site.url}/pathways", params={"q": view.episode_id})).text
        assert review in by_episode and key_of(HANDOVER) not in by_episode
        by_vc = (await http.get(f"{site.url}/pathways", params={"q": VC_ANDERSBERG})).text
        assert key_of(HANDOVER) in by_vc and review not in by_vc
        bad = await http.get(f"{site.url}/pathways", params={"q": "19050505-1234"})
        assert bad.status_code == 400 and "19050505" not in bad.text
        monkeypatch.setattr(pages, "PAGE_SIZE", 1)
        first = (await http.get(f"{site.url}/pathways", params={"q": VC_CENTRUM})).text
        assert 'rel="next"' in first
        link = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        second = (await http.get(f"{site.url}{link}")).text
        found = {key for key in (review, key_of(INPATIENT)) if key in first or key in second}
        assert len(found) == 2 or "pk_" in second


# ---- decisions, acknowledgements, CSRF -------------------------------------------------------------


async def test_a_decision_is_refused_on_the_page_then_granted_by_the_signed_in_coordinator(
    site: Site,
) -> None:
    key = key_of(REVIEW)
    before = await state_of(site.client, REVIEW)
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        page = (await http.get(f"{site.url}/patients/{key}")).text
        token = csrf_of(page)
        no_token = await http.post(
            f"{site.url}/patients/{key}/decide",
            data={"decision": "extend", "extend_days": "7", "reason": "x"},
        )
        assert no_token.status_code == 403
        refused = await http.post(
            f"{site.url}/patients/{key}/decide",
            data={"csrf_token": token, "decision": "extend", "extend_days": "30", "reason": "slow recovery"},
        )
        assert refused.status_code == 200
        assert "Refused, nothing changed" in refused.text and "extend_days" in refused.text
        assert (await state_of(site.client, REVIEW)).extensions == []
        granted = await http.post(
            f"{site.url}/patients/{key}/decide",
            data={
                "csrf_token": token,
                "decision": "extend",
                "extend_days": "7",
                "reason": "oxygen weaning",
                "decided_by": "SE2321000131-E000000009999",  # typed: ignored, the signed-in person decides
            },
        )
        assert granted.status_code == 303
        shown = (await http.get(f"{site.url}/patients/{key}")).text
        assert "LMV support extended by 7 days" in shown
    after = await state_of(site.client, REVIEW)
    assert len(after.extensions) == 1 and after.extensions[0].decided_by == COORDINATOR.hsa_id
    assert before.support_ends_at is not None and after.support_ends_at is not None
    assert (after.support_ends_at - before.support_ends_at).days == 7
    decisions = [e for e in _audit(site) if e["action"] == "decide" and e["patient_key"] == key]
    assert decisions and decisions[-1]["actor"] == COORDINATOR.hsa_id
    async with signed_in(site, LMV_PHYSICIAN.hsa_id) as http:
        page = (await http.get(f"{site.url}/patients/{key}")).text
        lmv = await http.post(
            f"{site.url}/patients/{key}/decide",
            data={"csrf_token": csrf_of(page), "decision": "handover", "reason": "lmv tries"},
        )
        assert lmv.status_code == 403


async def test_an_escalation_is_acknowledged_once_with_a_note_and_goes_below_the_open_ones(
    site: Site,
) -> None:
    key = key_of(HANDOVER)
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        page = (await http.get(f"{site.url}/patients/{key}")).text
        token = csrf_of(page)
        assert (
            await http.post(f"{site.url}/patients/{key}/escalations/0/acknowledge", data={"note": "calling"})
        ).status_code == 403
        done = await http.post(
            f"{site.url}/patients/{key}/escalations/0/acknowledge",
            data={"csrf_token": token, "note": "I am calling the VC now"},
        )
        assert done.status_code == 303
        again = await http.post(
            f"{site.url}/patients/{key}/escalations/0/acknowledge",
            data={"csrf_token": token, "note": "me too"},
        )
        assert "already acknowledged" in again.text
        inbox = (await http.get(f"{site.url}/")).text
        escalations = inbox[inbox.index('id="esc-h"') : inbox.index('id="tasks-h"')]
        rows = escalations.split("<tr")[2:]
        acked = [row.startswith(' class="acked"') for row in rows]
        assert acked == sorted(acked)  # every open escalation above every acknowledged one
        ours = [row for row in rows if key in row and row.startswith(' class="acked"')]
        assert len(ours) == 1 and COORDINATOR.name in ours[0]
    view = await state_of(site.client, HANDOVER)
    assert view.acknowledgements[0].acknowledged_by == COORDINATOR.hsa_id
    assert view.acknowledgements[0].note == "I am calling the VC now"
    acks = [e for e in _audit(site) if e["action"] == "acknowledge" and e["patient_key"] == key]
    assert len(acks) == 1 and acks[0]["actor"] == COORDINATOR.hsa_id


async def test_the_health_check_needs_no_sign_in(site: Site) -> None:
    async with httpx2.AsyncClient(base_url=site.url) as http:
        assert (await http.get("/healthz")).text == "ok"
        assert (await http.get("/static/style.css")).status_code == 200
    assert await eventually(lambda: state_of(site.client, INPATIENT), lambda v: v.phase == "inpatient")
