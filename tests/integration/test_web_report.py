"""The follow-up report as a page of the web site: for coordinators and ops, never for LMV or the VC."""

from __future__ import annotations

import pytest

from discharge.i18n import gettext
from discharge.report.build import TITLE
from tests.web_support import Site, signed_in
from workers.web.dev_idp import COORDINATOR, LMV_PHYSICIAN, OPS_VIEWER

pytestmark = pytest.mark.integration
SWEDISH_TITLE = gettext(TITLE)


async def test_coordinators_and_ops_read_the_follow_up_report_and_lmv_may_not(web_site: Site) -> None:
    async with signed_in(web_site, COORDINATOR.hsa_id) as http:
        page = await http.get(f"{web_site.url}/report", params={"from": "2026-01-01", "to": "not a date"})
        assert page.status_code == 200
        assert f"<title>{SWEDISH_TITLE}</title>" in page.text and '<html lang="sv">' in page.text
        inbox = await http.get(f"{web_site.url}/")
        assert 'href="/report"' in inbox.text
    async with signed_in(web_site, OPS_VIEWER.hsa_id) as http:
        assert (await http.get(f"{web_site.url}/report")).status_code == 200
    async with signed_in(web_site, LMV_PHYSICIAN.hsa_id) as http:
        assert (await http.get(f"{web_site.url}/report")).status_code == 403
