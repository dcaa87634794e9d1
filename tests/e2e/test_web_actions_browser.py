"""Each role's day in headless Chromium: each action is a form on the page; the pathway moves as events would.

Signed in through the real dev OpenID provider: the LMV physician confirms joint planning and records a
home visit, the vårdcentral physician acknowledges a delivery and accepts a handover, the coordinator sees
what is missing from whom, acknowledges a problem and decides a review. Each physician's action is the
contract's inbound event with the person as ``source`` (workers/web/send.py), stored for the web site's own
gateway; the test reads the pathway's own state afterwards.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from functools import partial

import pytest
from playwright.async_api import Browser, Page, expect

from discharge.notify.optins import OptIns
from discharge.readmodel.patient import read_patient
from tests.e2e.test_web_browser import looked_at, sign_in
from tests.web_support import (
    VC_CENTRUM,
    Site,
    eventually,
    finish,
    key_of,
    personnummer,
    seed,
    state_of,
    visible,
)
from workers.web.dev_idp import COORDINATOR, LMV_PHYSICIAN, VC_PHYSICIAN, DevUser
from workflows.api import PathwayView

pytestmark = pytest.mark.integration

PLANNING = personnummer("19110303", "128")  # high risk, still in hospital: joint planning open
SUPPORT = personnummer("19110404", "239")  # high risk, discharged yesterday: LMV support, no contact yet
HANDOVER = personnummer("19110505", "341")  # standard risk, discharged 3 days ago: VC to accept, overdue
REVIEW = personnummer("19110606", "452")  # high risk, discharged 12 days ago: the review is open
PATIENTS = [PLANNING, SUPPORT, HANDOVER, REVIEW]


@pytest.fixture(scope="module")
async def site(web_site: Site) -> AsyncIterator[Site]:
    await seed(
        web_site,
        {
            PLANNING: ("high", None, VC_CENTRUM),
            SUPPORT: ("high", 1, VC_CENTRUM),
            HANDOVER: ("standard", 3, VC_CENTRUM),
            REVIEW: ("high", 12, VC_CENTRUM),
        },
        {
            PLANNING: lambda v: v.phase == "joint_planning",
            SUPPORT: lambda v: v.phase == "lmv_support",
            HANDOVER: lambda v: v.phase == "handover" and "handover_not_accepted" in v.escalations,
            REVIEW: lambda v: v.phase == "extension_review" and bool(v.escalations),
        },
    )
    await visible(web_site, [key_of(identity) for identity in PATIENTS])
    yield web_site
    await finish(web_site, PATIENTS)


async def signed_in_page(browser: Browser, site: Site, user: DevUser) -> Page:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(20_000)
    await sign_in(page, site, user)
    return page


def audit_lines(site: Site) -> list[dict[str, object]]:
    return [json.loads(line) for line in site.audit_path.read_text().splitlines() if line.strip()]


async def test_the_lmv_physician_confirms_planning_and_records_a_home_visit(
    browser: Browser, site: Site
) -> None:
    page = await signed_in_page(browser, site, LMV_PHYSICIAN)
    await page.goto(f"{site.url}/patients/{key_of(PLANNING)}")
    await page.locator("#action-confirm_planning button").click()
    await expect(page.get_by_role("status")).to_contain_text("Samordnad planering bekräftad")
    view = await eventually(partial(state_of, site.client, PLANNING), lambda v: "lmv" in v.planning_confirmed)
    assert view.planning_confirmed == ["lmv"]
    confirmed = next(e for e in view.log if e.event_type == "primarycare.planning_confirmed")
    assert confirmed.actor == f"urn:hsa:{LMV_PHYSICIAN.hsa_id}"  # the signed-in person is the source
    await page.reload()
    await expect(page.locator("#action-confirm_planning")).to_have_count(0)  # done: not offered again
    # The pathway's own `joint_planning_confirmed`, in the timeline once the read model has it, naming who.
    for _ in range(30):
        if "Samordnad planering bekräftad · LMV" in await page.locator("#timeline").inner_text():
            break
        await asyncio.sleep(0.5)
        await page.reload()
    else:
        raise AssertionError("the timeline never showed LMV's joint_planning_confirmed")
    await looked_at(page, "20-lmv-planning-confirmed")

    await page.goto(f"{site.url}/patients/{key_of(SUPPORT)}")
    await page.locator("#contact-kind").select_option("home_visit")
    await page.locator("#action-record_contact button").click()
    await expect(page.get_by_role("status")).to_contain_text("Läkarkontakt registrerad")
    view = await eventually(
        partial(state_of, site.client, SUPPORT), lambda v: v.first_lmv_contact_at is not None
    )
    assert view.first_lmv_contact_at is not None
    await looked_at(page, "21-lmv-visit-recorded")
    # E-mail when something new needs them: their own choice, on their own page.
    await page.goto(f"{site.url}/notifications")
    await page.locator("#notify-wanted").check()
    await page.locator("#notify-email").fill("lars@lmv.example.se")
    await page.locator("#notify-form button").click()
    await expect(page.get_by_role("status")).to_contain_text("Aviseringar sparade")
    chosen = OptIns(site.settings.notification_store_path).of(LMV_PHYSICIAN.hsa_id)
    assert chosen is not None and (chosen.role, chosen.email) == ("lmv", "lars@lmv.example.se")
    await looked_at(page, "24-notifications")
    done = [line for line in audit_lines(site) if line.get("actor") == LMV_PHYSICIAN.hsa_id]
    assert {"confirm_planning", "record_contact"} <= {line.get("action") for line in done}
    await page.context.close()


async def test_the_vardcentral_physician_accepts_the_handover(browser: Browser, site: Site) -> None:
    page = await signed_in_page(browser, site, VC_PHYSICIAN)
    await page.goto(f"{site.url}/patients/{key_of(HANDOVER)}")
    # First the vårdcentral acknowledges what was delivered to it (its receipt, in its unit's name).
    await page.locator("form[id^=receipt-] button").first.click()
    await expect(page.get_by_role("status")).to_contain_text("Mottagning kvitterad")

    def received(view: PathwayView) -> bool:
        return any(d.recipient == VC_CENTRUM and d.status == "received" for d in view.deliveries)

    assert received(await eventually(partial(state_of, site.client, HANDOVER), received))
    await page.locator("#action-accept_handover button").click()
    await expect(page.get_by_role("status")).to_contain_text("Överlämningen accepterad")
    view = await eventually(partial(state_of, site.client, HANDOVER), lambda v: v.phase == "follow_up")
    assert view.phase == "follow_up" and view.pending_task is None
    # The page reads the read model, which follows the pathway's published step a moment later.
    store = site.recorder.store
    assert store is not None

    async def in_read_model() -> str | None:
        shown = await asyncio.to_thread(read_patient, store, key_of(HANDOVER), None)
        return None if shown is None else shown.phase

    assert await eventually(in_read_model, lambda phase: phase == "follow_up") == "follow_up"
    await page.reload()
    await expect(page.locator("#action-accept_handover")).to_have_count(0)
    await looked_at(page, "22-vc-handover-accepted")

    # A handover that is not pending: the pathway's own reason, on the page, and nothing sent.
    await page.goto(f"{site.url}/patients/{key_of(SUPPORT)}")
    before = len((await state_of(site.client, SUPPORT)).log)
    token = await page.locator('input[name="csrf_token"]').first.get_attribute("value")
    answer = await page.request.post(
        f"{site.url}/patients/{key_of(SUPPORT)}/actions/accept_handover", form={"csrf_token": token or ""}
    )
    assert answer.status == 200 and "makes no sense in phase lmv_support" in await answer.text()
    assert len((await state_of(site.client, SUPPORT)).log) == before
    refused = [line for line in audit_lines(site) if line.get("action") == "accept_handover"]
    assert [line.get("result") for line in refused] == ["granted", "refused"]
    await page.context.close()


async def test_the_coordinator_sees_what_is_missing_acknowledges_and_decides(
    browser: Browser, site: Site
) -> None:
    page = await signed_in_page(browser, site, COORDINATOR)
    await page.goto(f"{site.url}/patients/{key_of(PLANNING)}")
    # The vårdcentral has not confirmed joint planning (nor LMV, when this test runs alone).
    await expect(page.locator("#missing .missing-planning", has_text="Vårdcentralen Centrum")).to_have_count(
        1
    )
    await looked_at(page, "23-coordinator-missing")

    await page.goto(f"{site.url}/patients/{key_of(REVIEW)}")
    problem = page.locator("#escalations li.unacked").first
    await problem.locator('input[name="note"]').fill("Jag ringer LMV")
    await problem.get_by_role("button").click()
    await expect(page.get_by_role("status")).to_be_visible()
    await page.locator("#d-handover").check()
    await page.locator("#reason").fill("återhämtat sig")
    await page.locator("form.decide button[type=submit]").click()
    view = await eventually(partial(state_of, site.client, REVIEW), lambda v: v.phase == "handover")
    assert view.phase == "handover" and view.acknowledgements
    await looked_at(page, "25-coordinator-decided")
    await page.context.close()
