"""Whom the pathway's outbound events reach, as the rules publish them; the read model reading them."""

from __future__ import annotations

from discharge.i18n import language
from discharge.readmodel.projection import facts_of
from events.inbound.envelopes import InboundEvent
from events.outbound.examples import example_outbound
from events.outbound.names import OUTBOUND_TYPES
from tests.inbound_events import STAFF, accepted, admitted, discharged, event, hours, risk
from tests.unit.rules_harness import T0, Pathway
from workers.web.present import recipients

LMV_UNIT = "SE2321000131-E000000000200"
REGION_LMV = "SE2321000131-E000000000299"
VC = "SE2321000131-F000000000101"


def published(p: Pathway, type_: str) -> list[tuple[str, str, bool, bool]]:
    data = next(c.data for c in p.published if c.type == type_)
    return [(r.hsa_id, r.party, r.identity, r.acts) for r in data.receivers(REGION_LMV)]


def confirmed_by(party: str, unit: str, hours_in: int) -> InboundEvent:
    return event(
        "primarycare.planning_confirmed", T0 + hours(hours_in), party=party, unit=unit, confirmed_by=STAFF
    )


def test_the_lmv_unit_that_confirmed_planning_receives_the_support_and_the_handover_of_its_patient() -> None:
    p = Pathway().on(admitted(T0, listed_vardcentral=VC), risk(T0 + hours(1)))
    # Before LMV confirms, a request addressed to LMV goes to the region's LMV unit.
    assert published(p, "joint_planning_requested") == [
        (REGION_LMV, "lmv", True, True),
        (VC, "vardcentral", True, True),
    ]
    assert published(p, "pathway_started") == [(VC, "vardcentral", False, False)]  # LMV takes no part yet
    p.on(confirmed_by("lmv", LMV_UNIT, 2), confirmed_by("vardcentral", VC, 2), discharged(T0 + hours(4)))
    assert published(p, "support_started") == [(LMV_UNIT, "lmv", True, True)]
    p.on(event("primarycare.handover_proposed", T0 + hours(30), proposed_by=STAFF), accepted(T0 + hours(40)))
    assert published(p, "handover_requested") == [(VC, "vardcentral", True, True)]
    assert published(p, "handover_completed") == [
        (LMV_UNIT, "lmv", False, False),
        (VC, "vardcentral", False, False),
    ]


def test_the_read_model_reads_an_event_published_before_the_indicator_fields_existed() -> None:
    legacy = example_outbound("support_started")
    legacy["data"] = {
        k: v
        for k, v in legacy["data"].items()
        if k in ("patient_key", "episode_id", "patient", "to", "support_ends_at")
    }
    facts = facts_of(legacy)
    assert facts.set == {"lmv_enrolled": True} and "support_ends_at" in facts.set_if_empty
    handed = example_outbound("handover_completed")
    handed["data"] = {k: handed["data"][k] for k in ("patient_key", "episode_id", "accepted_by")}
    assert facts_of(handed).set == {"handed_over_at": facts_of(handed).at}  # the step's own time


def test_every_example_is_read_by_the_read_model() -> None:
    for short_type in OUTBOUND_TYPES:
        facts = facts_of(example_outbound(short_type))
        assert facts.type == short_type and facts.patient_key.startswith("pk_")


def test_the_patient_page_names_the_receivers_each_model_declares() -> None:
    assert recipients("joint_planning_requested") == "LMV, vårdcentral"
    assert recipients("consult_requested") == "beredskapsjour"
    # The on-call unit once; in Swedish, the page's default language.
    assert recipients("escalation_raised") == "koordinator, LMV, vårdcentral, beredskapsjour"
    with language("en"):
        assert recipients("escalation_raised") == "coordinator, LMV, vårdcentral, beredskapsjour"
    assert recipients(None) == recipients("teleported") == "–"
