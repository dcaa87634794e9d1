"""The web page over HTTP: finding pathways, and the coordinator's decisions and acknowledgements (CSRF),
signed in through the real dev OpenID provider, on the real pathways of web_http_support.py."""

from __future__ import annotations

import pytest

from discharge.i18n import gettext
from tests.integration.web_http_support import HANDOVER, INPATIENT, REVIEW, audit, no_identity, site
from tests.web_support import (
    VC_ANDERSBERG,
    VC_CENTRUM,
    Site,
    csrf_of,
    eventually,
    key_of,
    signed_in,
    state_of,
)
from workers.web import pages
from workers.web.dev_idp import COORDINATOR, LMV_PHYSICIAN, VC_PHYSICIAN

pytestmark = pytest.mark.integration

__all__ = ["site"]  # the module's fixture (web_http_support.py)


# ---- pathways search -------------------------------------------------------------------------------


async def test_pathways_are_found_by_personnummer_episode_and_vc_and_paged(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    review = key_of(REVIEW)
    view = await state_of(site.client, REVIEW)
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        token = csrf_of((await http.get(f"{site.url}/pathways")).text)
        by_number = (await http.post(f"{site.url}/pathways", data={"q": REVIEW, "csrf_token": token})).text
        assert review in by_number and key_of(HANDOVER) not in by_number
        assert no_identity(by_number)  # the box shows the patient_key, never the number typed
        searches = [e for e in audit(site) if e["action"] == "search_identity" and e["patient_key"] == review]
        assert searches and searches[-1]["actor"] == COORDINATOR.hsa_id
        by_episode = (await http.get(f"{site.url}/pathways", params={"q": view.episode_id})).text
        assert review in by_episode and key_of(HANDOVER) not in by_episode
        by_vc = (await http.get(f"{site.url}/pathways", params={"q": VC_ANDERSBERG})).text
        assert key_of(HANDOVER) in by_vc and review not in by_vc
        assert 'id="pathways-freshness"' in by_vc  # read from the read model: how current it is
        bad = await http.post(f"{site.url}/pathways", data={"q": "19050505-1234", "csrf_token": token})
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
        assert "Avvisat, inget ändrades" in refused.text and "extend_days" in refused.text
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
        assert "LMV-insatsen förlängd med 7 dagar" in shown
    after = await state_of(site.client, REVIEW)
    assert len(after.extensions) == 1 and after.extensions[0].decided_by == COORDINATOR.hsa_id
    assert before.support_ends_at is not None and after.support_ends_at is not None
    assert (after.support_ends_at - before.support_ends_at).days == 7
    decisions = [e for e in audit(site) if e["action"] == "decide" and e["patient_key"] == key]
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
    lines_before = len(audit(site))  # the log is the session's: other modules acknowledge this patient too
    async with signed_in(site, COORDINATOR.hsa_id) as http:

        async def inbox_rows() -> list[str]:
            # The patient's own vårdcentral only: the session's other modules escalate enough pathways to
            # push an acknowledged row past the inbox's first INBOX_ROWS.
            inbox = (await http.get(f"{site.url}/", params={"vc": VC_ANDERSBERG})).text
            return inbox[inbox.index('id="esc-h"') : inbox.index('id="tasks-h"')].split("<tr")[2:]

        # The inbox reads the read model, which follows the pathway a moment later (its freshness line).
        assert any(
            key in row for row in await eventually(inbox_rows, lambda rows: any(key in r for r in rows))
        )
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
        rows = await inbox_rows()
        acked = [row.startswith(' class="acked"') for row in rows]
        assert acked == sorted(acked)  # every open escalation above every acknowledged one
        ours = [row for row in rows if key in row and row.startswith(' class="acked"')]
        assert len(ours) == 1 and COORDINATOR.name in ours[0]
    view = await state_of(site.client, HANDOVER)
    assert view.acknowledgements[0].acknowledged_by == COORDINATOR.hsa_id
    assert view.acknowledgements[0].note == "I am calling the VC now"
    acks = [e for e in audit(site)[lines_before:] if e["action"] == "acknowledge" and e["patient_key"] == key]
    assert len(acks) == 1 and acks[0]["actor"] == COORDINATOR.hsa_id


# ---- the physicians' actions: refused by role, by unit, without CSRF --------------------------------


async def test_a_physicians_action_is_refused_for_the_wrong_role_unit_or_token_and_nothing_is_sent(
    site: Site,
) -> None:
    """HANDOVER waits for Andersberg's acceptance: neither LMV nor Centrum's physician may give it."""
    key = key_of(HANDOVER)
    before = await state_of(site.client, HANDOVER)
    async with signed_in(site, LMV_PHYSICIAN.hsa_id) as http:
        token = csrf_of((await http.get(f"{site.url}/patients/{key}")).text)
        wrong_role = await http.post(
            f"{site.url}/patients/{key}/actions/accept_handover", data={"csrf_token": token}
        )
        assert wrong_role.status_code == 403
        no_token = await http.post(
            f"{site.url}/patients/{key}/actions/record_contact", data={"kind": "phone"}
        )
        assert no_token.status_code == 403
        unknown = await http.post(f"{site.url}/patients/{key}/actions/anything", data={"csrf_token": token})
        assert unknown.status_code == 403
    async with signed_in(site, VC_PHYSICIAN.hsa_id) as http:  # Centrum's physician; HANDOVER is Andersberg's
        token = csrf_of((await http.get(f"{site.url}/")).text)
        other_unit = await http.post(
            f"{site.url}/patients/{key}/actions/accept_handover", data={"csrf_token": token}
        )
        assert other_unit.status_code == 404 and gettext(pages.NOT_YOURS) in other_unit.text
    refused = [e for e in audit(site) if e["action"] == "accept_handover" and e["patient_key"] == key]
    assert [(e["actor"], e["result"]) for e in refused] == [(VC_PHYSICIAN.hsa_id, "refused")]
    after = await state_of(site.client, HANDOVER)
    assert after.phase == before.phase == "handover" and len(after.log) == len(before.log)
