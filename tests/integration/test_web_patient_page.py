"""The patient page from the read model (issue 26): a plain view asks the pathway nothing but the identity,
the full event log is one audited query scoped by role, and whoever decided or acknowledged sees it on the
next page before the read model has heard of it; notes never reach the read model's file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from discharge.readmodel import freshness
from discharge.readmodel.store import ReadModel
from tests.integration.web_http_support import HANDOVER, INPATIENT, REVIEW, audit, no_identity, site
from tests.web_support import Site, csrf_of, key_of, signed_in
from workers.web import data
from workers.web.dev_idp import COORDINATOR, OPS_VIEWER, VC_PHYSICIAN

pytestmark = pytest.mark.integration

__all__ = ["site"]  # the module's fixture (web_http_support.py)

NOTE = "Ringer vårdcentralen om läkemedelslistan"


@contextmanager
def no_state_query(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any ``state`` query the page makes is counted (and fails the page)."""
    asked: list[str] = []

    async def refuse(client: Any, workflow_id: str) -> Any:
        asked.append(workflow_id)
        raise AssertionError("the patient page asked the pathway for its state")

    with monkeypatch.context() as patch:
        patch.setattr(data, "read_state", refuse)
        yield asked


@contextmanager
def read_model_held_back(site: Site) -> Iterator[None]:
    """The read model's consumer stopped: nothing the pathway publishes meanwhile reaches the store;
    applied afterwards, as the consumer would once it is back."""
    store, since = site.recorder.store, len(site.recorder.events)
    site.recorder.store = None
    try:
        yield
    finally:
        site.recorder.store = store
        assert store is not None
        store.apply([event.cloudevent() for event in site.recorder.events[since:]])


async def test_a_plain_view_is_read_from_the_read_model_with_its_freshness_and_receivers(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = len(audit(site))
    with no_state_query(monkeypatch) as asked:
        async with signed_in(site, COORDINATOR.hsa_id) as http:
            again = await http.get(f"{site.url}/patients/{key_of(REVIEW)}")  # the identity kept after it
            page = await http.get(f"{site.url}/patients/{key_of(REVIEW)}")
            assert again.status_code == 200
            assert page.status_code == 200, page.text
            assert REVIEW in page.text  # the identity: its own query, for a role that may see it
            assert 'id="patient-freshness"' in page.text and 'id="timeline"' in page.text
            assert "LMV-insatsen startad" in page.text  # the timeline: every outbound event
            # Who received each: here the listed VC only (these settings name no LMV unit).
            assert "joint_planning_requested" in page.text and "Vårdcentralen Centrum" in page.text
            assert 'href="/patients/' + key_of(REVIEW) + '/story"' in page.text
        async with signed_in(site, VC_PHYSICIAN.hsa_id) as http:  # Centrum's: HANDOVER is Andersberg's
            assert (await http.get(f"{site.url}/patients/{key_of(HANDOVER)}")).status_code == 404
            assert (await http.get(f"{site.url}/patients/pk_{'0' * 32}")).status_code == 404
            assert (await http.get(f"{site.url}/patients/{key_of(INPATIENT)}")).status_code == 200
    assert asked == []
    # Every look is logged, each time: the identity kept in the web page's memory spares the query only.
    looks = [(e["actor"], e["action"], e["result"]) for e in audit(site)[before:]]
    assert looks.count((COORDINATOR.hsa_id, "view_pathway", "granted")) == 2
    assert looks.count((COORDINATOR.hsa_id, "view_identity", "granted")) == 2
    assert looks.count((VC_PHYSICIAN.hsa_id, "view_pathway", "refused")) == 2
    assert looks.count((VC_PHYSICIAN.hsa_id, "view_pathway", "granted")) == 1


async def test_an_acknowledgement_is_seen_at_once_and_its_note_only_in_the_full_event_log(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = key_of(HANDOVER)
    before = len(audit(site))
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        page = (await http.get(f"{site.url}/patients/{key}")).text
        assert 'action="/patients/' + key + "/escalations/" in page
        index = page.split(f"/patients/{key}/escalations/", 1)[1].split("/", 1)[0]
        with no_state_query(monkeypatch) as asked:
            done = await http.post(
                f"{site.url}/patients/{key}/escalations/{index}/acknowledge",
                data={"csrf_token": csrf_of(page), "note": NOTE},
            )
            assert done.status_code == 303
            shown = (await http.get(f"{site.url}/patients/{key}")).text
        assert asked == []
        assert f'id="ack-{index}" class="acked"' in shown and COORDINATOR.name in shown
        assert NOTE not in shown  # free text: only from the pathway, in its full event log
        story = await http.get(f"{site.url}/patients/{key}/story")
        assert story.status_code == 200 and NOTE in story.text
    async with signed_in(site, OPS_VIEWER.hsa_id) as http:
        story = await http.get(f"{site.url}/patients/{key}/story")
        assert story.status_code == 200 and NOTE not in story.text and no_identity(story.text)
    async with signed_in(site, VC_PHYSICIAN.hsa_id) as http:
        assert (await http.get(f"{site.url}/patients/{key}/story")).status_code == 404
    stories = [(e["actor"], e["result"]) for e in audit(site)[before:] if e["action"] == "view_story"]
    assert stories == [
        (COORDINATOR.hsa_id, "granted"),
        (OPS_VIEWER.hsa_id, "granted"),
        (VC_PHYSICIAN.hsa_id, "refused"),
    ]
    stored = readmodel_bytes(site)
    assert NOTE.encode() not in stored and HANDOVER.replace("-", "").encode() not in stored


async def test_a_decision_is_seen_on_the_next_page_before_the_read_model_hears_of_it(site: Site) -> None:
    key = key_of(REVIEW)
    async with signed_in(site, COORDINATOR.hsa_id) as http:
        page = (await http.get(f"{site.url}/patients/{key}")).text
        assert 'action="/patients/' + key + '/decide"' in page
        with read_model_held_back(site):
            granted = await http.post(
                f"{site.url}/patients/{key}/decide",
                data={"csrf_token": csrf_of(page), "decision": "extend", "extend_days": "5", "reason": "ok"},
            )
            assert granted.status_code == 303
            shown = (await http.get(f"{site.url}/patients/{key}")).text
            assert 'action="/patients/' + key + '/decide"' not in shown  # the review is closed
            assert "förlängd med 5 dagar" in shown
        again = (await http.get(f"{site.url}/patients/{key}")).text
        assert 'action="/patients/' + key + '/decide"' not in again and "Förlängning beviljad" in again


def readmodel_bytes(site: Site) -> bytes:
    store = site.recorder.store
    assert store is not None
    freshness.read(store)
    path = Path(ReadModel.from_settings(site.settings).url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
