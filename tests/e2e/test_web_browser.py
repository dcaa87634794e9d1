"""The people's web page in headless Chromium, in Swedish, as a coordinator, an LMV physician, a
vårdcentral physician and an ops viewer use it: keyboard first, on a laptop, a tablet and a phone.

Sign-in goes through the real dev OpenID provider's page (one click on the person's HSA-id), the
pathways are the real workflow's. axe-core (axe-playwright-python) checks every page: no serious or
critical violation. With ``DISCHARGE_SCREENSHOTS=dir`` each page is saved as a PNG per role
(`make screenshots` writes docs/screenshots/).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from discharge.readmodel.projection import pathway_key
from discharge.readmodel.store import ReadModel
from discharge.simulate.engine import run_pathway, simulation_policy
from discharge.simulate.params import SimulationParams
from discharge.simulate.patients import patient_script
from tests.e2e.browser import screenshot_dir, serious_violations
from tests.readmodel_support import cloudevents
from tests.web_support import VC_ANDERSBERG, VC_CENTRUM, Site, finish, key_of, personnummer, seed, visible
from workers.web.data import remember_acknowledgements
from workers.web.dev_idp import COORDINATOR, LMV_PHYSICIAN, OPS_VIEWER, VC_PHYSICIAN, DevUser
from workflows.api import AcknowledgementRecord, PathwayView
from workflows.names import QUERY_STATE, UPDATE_ACKNOWLEDGE

pytestmark = pytest.mark.integration

REVIEW = personnummer("19080808", "456")  # high risk, discharged 12 days ago, Centrum: review open
OVERDUE = personnummer("19010101", "567")  # standard risk, discharged 3 days ago, Andersberg: escalated
PATIENTS = [REVIEW, OVERDUE]
#: Any personnummer-shaped number (with or without the hyphen), for "no identity anywhere".
IDENTITY_SHAPE = re.compile(r"\b(18|19|20)\d{6}-?\d{4}\b")
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 1366}
#: The elements that stick out of the screen (what to fix when the page scrolls sideways).
WIDER_THAN_SCREEN = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 3).map(e => e.tagName + '.' + e.className + ' in ' + e.parentElement.className)"""


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


def followed_up(site: Site, count: int) -> None:
    """Synthetic discharges in the page's read model (the simulator's pathways), so the report has figures."""
    params = SimulationParams(start=date(2026, 9, 1), high_risk_share=0.5)
    policy = simulation_policy(params)
    assert site.settings.discharge_readmodel_url is not None
    store = ReadModel(site.settings.discharge_readmodel_url).create()
    try:
        for index in range(count):
            trace = run_pathway(f"pk_{index:032x}", patient_script(index, index % 14, params, policy), policy)
            store.apply(cloudevents(trace))
    finally:
        store.close()


async def looked_at(page: Page, name: str | None = None) -> None:
    """Every page: in Swedish, axe finds nothing serious; saved as a screenshot when asked."""
    assert await page.get_attribute("html", "lang") == "sv", page.url
    violations = await serious_violations(page)
    assert not violations, f"{page.url}: {violations}"
    target = screenshot_dir()
    if target is not None and name is not None:
        await page.screenshot(path=str(target / f"{name}.png"), full_page=True)


async def opened(browser: Browser, viewport: dict[str, int]) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = await context.new_page()
    page.set_default_timeout(20_000)
    return context, page


async def sign_in(page: Page, site: Site, user: DevUser, shot: str | None = None) -> None:
    await page.goto(site.url + "/")
    await expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    await looked_at(page, shot)
    await page.get_by_role("link", name="Logga in").click()
    # The dev provider's page: one button per predefined user, labelled with their HSA-id.
    await page.locator(f'button[name="sub"][value="{user.hsa_id}"]').click()
    await expect(page.get_by_text(user.name).first).to_be_visible()


async def test_a_coordinator_works_a_review_and_an_escalation_in_the_browser(
    browser: Browser, site: Site
) -> None:
    context, page = await opened(browser, {"width": 1280, "height": 900})
    key = key_of(REVIEW)
    await sign_in(page, site, COORDINATOR, "coordinator-01-sign-in")

    # The inbox: the review among the open tasks, keyboard first (the skip link is the first stop).
    await expect(page.get_by_role("heading", name="Inkorg", exact=True)).to_be_visible()
    await expect(page.locator("#tasks-h ~ div").get_by_role("link", name=key)).to_be_visible()
    # The review's row names its vårdcentral (other tests' pathways of the same site may be listed too).
    review_row = page.locator("#tasks-h ~ div tr").filter(has=page.get_by_role("link", name=key))
    await expect(review_row.get_by_text("Vårdcentralen Centrum")).to_be_visible()
    await looked_at(page, "coordinator-02-inbox")
    await page.keyboard.press("Tab")
    await expect(page.locator(":focus")).to_have_text("Hoppa till innehållet")
    await page.keyboard.press("Enter")
    await expect(page.locator("#main")).to_be_focused()

    # The patient: the personnummer for a coordinator, the state, the timeline.
    await page.locator("#tasks-h ~ div").get_by_role("link", name=key).click()
    await expect(page.locator("#identity")).to_have_text(REVIEW)
    await expect(page.get_by_role("heading", name="Tidslinje")).to_be_visible()
    support_before = await page.locator("#support-ends").inner_text()
    await looked_at(page, "coordinator-03-patient")

    # 30 days: the workflow refuses, and the page says why.
    await page.get_by_label("Dagar").fill("30")
    await page.get_by_label("Motivering (sparas i vårdförloppets historik)").fill("långsam återhämtning")
    await page.get_by_role("button", name="Registrera beslut").click()
    await expect(page.locator("#refusal")).to_contain_text("Avvisat, inget ändrades")
    await expect(page.locator("#refusal")).to_contain_text("extend_days")
    await looked_at(page, "coordinator-04-decide-refused")

    # 7 days: granted, the new end is shown.
    await page.get_by_label("Dagar").fill("7")
    await page.get_by_role("button", name="Registrera beslut").click()
    await expect(page.get_by_role("status")).to_contain_text("LMV-insatsen förlängd med 7 dagar")
    await expect(page.locator("#support-ends")).not_to_have_text(support_before)
    await expect(page.locator("section[aria-labelledby=ext-h] td").nth(1)).to_have_text("7")
    await looked_at(page, "coordinator-05-decided")
    # The reason is free text: read from the pathway in its full event log (issue 26), not the read model.
    await page.locator("#story-link").click()
    await expect(page.get_by_role("cell", name="långsam återhämtning")).to_be_visible()
    await looked_at(page, "coordinator-05b-full-event-log")
    await page.go_back()

    # An escalation acknowledged with a note.
    await page.get_by_label("Anteckning: vad du gör").first.fill("Jag ringer LMV om första besöket")
    await page.get_by_role("button", name="Kvittera").first.click()
    await expect(page.get_by_role("status")).to_contain_text("Eskaleringen är kvitterad")
    await expect(page.locator("#ack-0")).to_contain_text(f"Kvitterad av {COORDINATOR.name}")

    # The inbox updates by itself: an acknowledgement made elsewhere appears without a reload, and the
    # live region says what changed, in one sentence (the lists themselves are not read out again).
    await page.goto(site.url + "/")
    overdue_rows = page.locator("#esc-h ~ div tr", has_text=key_of(OVERDUE))
    await expect(overdue_rows.first).to_have_class("unacked")
    assert await page.get_attribute("#live", "aria-live") is None
    await expect(page.locator("#live-news")).to_have_text("")
    handle = site.client.get_workflow_handle(f"pathway-{key_of(OVERDUE)}")
    record = await handle.execute_update(
        UPDATE_ACKNOWLEDGE,
        {
            "escalation": 0,
            "note": "taken",
            "acknowledged_by": COORDINATOR.hsa_id,
            "name": "Another Coordinator",
            "actor": {"process": "web", "person": COORDINATOR.hsa_id, "role": "coordinator"},
        },
        result_type=AcknowledgementRecord,
    )
    # ... and recorded in the read model the inbox reads, as that other tab (or web replica) records it.
    view = await handle.query(QUERY_STATE, result_type=PathwayView)
    pathway = pathway_key(key_of(OVERDUE), view.episode_id)
    await remember_acknowledgements(ReadModel.from_settings(site.settings), pathway, [record])
    await expect(page.locator("#esc-h ~ div tr", has_text="Another Coordinator")).to_be_visible(
        timeout=15_000
    )
    await expect(page.locator("#live-news")).to_have_text("Inkorgen har ändrats: 1 kvitterade.")
    await looked_at(page, "coordinator-06-inbox-acknowledged")

    # A personnummer is searched with the form (POST with the session's CSRF token), never by a link.
    await page.goto(site.url + "/pathways")
    await page.get_by_label("Sök", exact=True).fill(REVIEW)
    await page.get_by_role("button", name="Sök").click()
    await expect(page.get_by_role("link", name=key)).to_be_visible()
    assert REVIEW not in await page.content()  # the typed number is replaced by the patient_key
    await looked_at(page, "coordinator-07-pathways")
    await page.goto(site.url + "/audit")
    await expect(page.get_by_role("cell", name="visa identitet").first).to_be_visible()
    await looked_at(page, "coordinator-08-audit")
    followed_up(site, 12)
    await page.goto(site.url + "/report")
    await expect(page.get_by_role("heading", name="Per listningsvårdcentral")).to_be_visible()
    await expect(page.get_by_text("Indikator 5b · Antal vårddygn i slutenvården")).to_be_visible()
    await looked_at(page, "coordinator-09-report")

    # English on choice, remembered across pages.
    await page.goto(site.url + "/")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    await page.goto(site.url + "/pathways")
    assert await page.get_attribute("html", "lang") == "en"
    await context.close()


@pytest.mark.parametrize(
    ("user", "viewport", "role"),
    [(LMV_PHYSICIAN, PHONE, "lmv"), (VC_PHYSICIAN, TABLET, "vc")],
    ids=["lmv-phone", "vc-tablet"],
)
async def test_a_physician_finds_their_patient_on_a_phone_or_a_tablet(
    browser: Browser, site: Site, user: DevUser, viewport: dict[str, int], role: str
) -> None:
    context, page = await opened(browser, viewport)
    await sign_in(page, site, user)
    await expect(page.get_by_role("heading", name="Inkorg", exact=True)).to_be_visible()
    # Nothing wider than the screen but the tables, which scroll inside their own frame.
    wide = await page.evaluate(WIDER_THAN_SCREEN)
    assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], wide
    await looked_at(page, f"{role}-01-inbox")
    await page.goto(site.url + f"/patients/{key_of(REVIEW)}")
    await expect(page.get_by_role("heading", name="Tidslinje")).to_be_visible()
    await expect(page.locator("dd", has_text="Vårdcentralen Centrum")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    await looked_at(page, f"{role}-02-patient")
    if role == "lmv":
        # Keyboard only: Tab to the open escalation's note, type, Tab to its button, Enter.
        for _press in range(60):
            await page.keyboard.press("Tab")
            if await page.evaluate("document.activeElement.name") == "note":
                break
        await page.keyboard.type("Jag ringer patienten i dag")
        await page.keyboard.press("Tab")
        await expect(page.locator(":focus")).to_have_text("Kvittera")
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("status")).to_contain_text("Eskaleringen är kvitterad")
        await expect(page.get_by_text(f"Kvitterad av {user.name}")).to_be_visible()
    await context.close()


async def test_an_ops_viewer_finds_no_personnummer_anywhere(browser: Browser, site: Site) -> None:
    context, page = await opened(browser, TABLET)
    await sign_in(page, site, OPS_VIEWER)
    await expect(page.get_by_role("heading", name="Vårdförlopp")).to_be_visible()  # ops has no inbox
    seen = [await page.content()]
    for identity in PATIENTS:
        await expect(page.get_by_text(key_of(identity))).to_be_visible()
    for identity in PATIENTS:
        await page.goto(site.url + f"/patients/{key_of(identity)}")
        await expect(page.get_by_role("heading", name="Tidslinje")).to_be_visible()
        seen.append(await page.content())
    await looked_at(page, "ops-01-patient")
    await page.goto(site.url + "/audit")
    seen.append(await page.content())
    await page.goto(site.url + "/pathways")
    seen.append(await page.content())
    await looked_at(page, "ops-02-pathways")
    for html in seen:
        assert not IDENTITY_SHAPE.search(html), IDENTITY_SHAPE.search(html)
        assert "Personnummer" not in html
    await context.close()
