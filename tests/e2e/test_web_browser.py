"""The coordinators' web page in headless Chromium, as a coordinator and an ops viewer use it.

Sign-in goes through the real dev OpenID provider's page (one click on the person's HSA-id), the
pathways are the real workflow's. With ``DISCHARGE_SCREENSHOTS=dir`` each page is saved as a PNG
(`make screenshots` writes docs/screenshots/).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.browser import screenshot_dir
from tests.web_support import VC_ANDERSBERG, VC_CENTRUM, Site, finish, key_of, personnummer, seed, visible
from workers.web.dev_idp import COORDINATOR, OPS_VIEWER, DevUser
from workflows.names import UPDATE_ACKNOWLEDGE

pytestmark = pytest.mark.integration

REVIEW = personnummer("19080808", "456")  # high risk, discharged 12 days ago, Centrum: review open
OVERDUE = personnummer("19010101", "567")  # standard risk, discharged 3 days ago, Andersberg: escalated
PATIENTS = [REVIEW, OVERDUE]
#: Any personnummer-shaped number (with or without the hyphen), for "no identity anywhere".
IDENTITY_SHAPE = re.compile(r"\b(18|19|20)\d{6}-?\d{4}\b")


@pytest.fixture(scope="module")
async def site(web_site: Site) -> AsyncIterator[Site]:
    await seed(
        web_site,
        {REVIEW: ("high", 12, VC_CENTRUM), OVERDUE: ("standard", 3, VC_ANDERSBERG)},
        {
            REVIEW: lambda v: v.phase == "extension_review" and bool(v.escalations),
            OVERDUE: lambda v: v.phase == "handover" and "handover_not_accepted" in v.escalations,
        },
    )
    await visible(web_site, [key_of(identity) for identity in PATIENTS])
    yield web_site
    await finish(web_site, PATIENTS)


async def shot(page: Page, name: str) -> None:
    target = screenshot_dir()
    if target is not None:
        await page.screenshot(path=str(target / f"{name}.png"), full_page=True)


async def sign_in(page: Page, site: Site, user: DevUser, *, screenshots: bool = False) -> None:
    await page.goto(site.url + "/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    if screenshots:
        await shot(page, "01-sign-in")
    await page.get_by_role("link", name="Sign in").click()
    # The dev provider's page: one button per predefined user, labelled with their HSA-id.
    await page.locator(f'button[name="sub"][value="{user.hsa_id}"]').click()
    await expect(page.get_by_text(user.name)).to_be_visible()


async def test_a_coordinator_works_a_review_and_an_escalation_in_the_browser(
    browser: Browser, site: Site
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(20_000)
    key = key_of(REVIEW)
    await sign_in(page, site, COORDINATOR, screenshots=True)

    # The inbox: the review among the open tasks, keyboard first (the skip link is the first stop).
    await expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    await expect(page.locator("#tasks-h ~ div").get_by_role("link", name=key)).to_be_visible()
    await shot(page, "02-inbox")
    await page.keyboard.press("Tab")
    await expect(page.locator(":focus")).to_have_text("Skip to content")

    # The patient: the personnummer for a coordinator, the state, the timeline.
    await page.locator("#tasks-h ~ div").get_by_role("link", name=key).click()
    await expect(page.locator("#identity")).to_have_text(REVIEW)
    await expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    support_before = await page.locator("#support-ends").inner_text()
    await shot(page, "03-patient")

    # 30 days: the workflow refuses, and the page says why.
    await page.get_by_label("Days").fill("30")
    await page.get_by_label("Reason (kept in the pathway's history)").fill("slow recovery")
    await page.get_by_role("button", name="Record decision").click()
    await expect(page.locator("#refusal")).to_contain_text("Refused, nothing changed")
    await expect(page.locator("#refusal")).to_contain_text("extend_days")
    await shot(page, "04-decide-refused")

    # 7 days: granted, the new end is shown.
    await page.get_by_label("Days").fill("7")
    await page.get_by_role("button", name="Record decision").click()
    await expect(page.get_by_role("status")).to_contain_text("LMV support extended by 7 days")
    await expect(page.locator("#support-ends")).not_to_have_text(support_before)
    await expect(page.get_by_role("cell", name="slow recovery")).to_be_visible()
    await shot(page, "05-decided")

    # An escalation acknowledged with a note.
    await page.get_by_label("Note: what you will do").first.fill("I will call LMV about the first visit")
    await page.get_by_role("button", name="Acknowledge").first.click()
    await expect(page.get_by_role("status")).to_contain_text("Escalation acknowledged")
    await expect(page.locator("#ack-0")).to_contain_text(f"Acknowledged by {COORDINATOR.name}")

    # The inbox updates by itself: an acknowledgement made elsewhere appears without a reload.
    await page.goto(site.url + "/")
    overdue_rows = page.locator("#esc-h ~ div tr", has_text=key_of(OVERDUE))
    await expect(overdue_rows.first).to_have_class("unacked")
    handle = site.client.get_workflow_handle(f"pathway-{key_of(OVERDUE)}")
    await handle.execute_update(
        UPDATE_ACKNOWLEDGE,
        {
            "escalation": 0,
            "note": "taken",
            "acknowledged_by": COORDINATOR.hsa_id,
            "name": "Another Coordinator",
            "actor": {"process": "web", "person": COORDINATOR.hsa_id, "role": "coordinator"},
        },
    )
    await expect(page.locator("#esc-h ~ div tr", has_text="Another Coordinator")).to_be_visible(
        timeout=15_000
    )
    await shot(page, "06-inbox-acknowledged")

    # A personnummer is searched with the form (POST with the session's CSRF token), never by a link.
    await page.goto(site.url + "/pathways")
    await page.get_by_label("Search").fill(REVIEW)
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("link", name=key)).to_be_visible()
    assert REVIEW not in await page.content()  # the typed number is replaced by the patient_key
    await shot(page, "07-pathways")
    await page.goto(site.url + "/audit")
    await expect(page.get_by_role("cell", name="view identity").first).to_be_visible()
    await shot(page, "08-audit")
    await context.close()


async def test_an_ops_viewer_finds_no_personnummer_anywhere(browser: Browser, site: Site) -> None:
    context = await browser.new_context(viewport={"width": 1024, "height": 1366})  # a tablet, upright
    page = await context.new_page()
    page.set_default_timeout(20_000)
    await sign_in(page, site, OPS_VIEWER)
    await expect(page.get_by_role("heading", name="Pathways")).to_be_visible()  # ops has no inbox
    seen = [await page.content()]
    for identity in PATIENTS:
        await expect(page.get_by_text(key_of(identity))).to_be_visible()
    for identity in PATIENTS:
        await page.goto(site.url + f"/patients/{key_of(identity)}")
        await expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
        seen.append(await page.content())
    await shot(page, "09-ops-patient")
    await page.goto(site.url + "/audit")
    seen.append(await page.content())
    await page.goto(site.url + "/pathways")
    seen.append(await page.content())
    await shot(page, "10-ops-pathways")
    for html in seen:
        assert not IDENTITY_SHAPE.search(html), IDENTITY_SHAPE.search(html)
        assert "Personnummer" not in html
    await context.close()
