"""Shared by the web page's HTTP tests (test_web_http*.py): three real pathways a module signs in to see.

A patient in extension review at Vårdcentralen Centrum, one whose handover to Andersberg is overdue and
escalated, and an inpatient at Centrum; each test module seeds them once (``site``) and ends them after.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from discharge.audit import AuditLog
from tests.web_support import (
    VC_ANDERSBERG,
    VC_CENTRUM,
    Site,
    finish,
    key_of,
    personnummer,
    seed,
    visible,
)

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


def digits(identity: str) -> list[str]:
    """Every way a personnummer could be printed."""
    return [identity, identity.replace("-", "")]


def no_identity(html: str) -> bool:
    return not any(form in html for identity in PATIENTS for form in digits(identity))


def audit(site: Site) -> list[dict[str, object]]:
    return [json.loads(entry.model_dump_json()) for entry in AuditLog(site.audit_path).entries()]
