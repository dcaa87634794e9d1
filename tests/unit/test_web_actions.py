"""The physicians' actions: what the page offers whom, what the event says, what the pathway would refuse."""

from __future__ import annotations

import pytest

from discharge.principal import Principal
from tests.inbound_events import UNIT, accepted, admitted, confirmed, contact, hours, risk
from tests.unit.rules_harness import POLICY, T0, Pathway, high_risk_discharged
from workers.web.actions import ACTIONS, ActionRefused, may_take, offered, source_of
from workers.web.missing import missing
from workflows.rules.dryrun import refusal_of

LMV = Principal(
    hsa_id="SE2321000131-E000000000201", name="Lars", role="lmv", unit="SE2321000131-E000000000200"
)
VC = Principal(hsa_id="SE2321000131-E000000000111", name="Vera", role="vc", unit=UNIT)
COORDINATOR = Principal(hsa_id="SE2321000131-E000000000300", name="Karin", role="coordinator")


def test_the_event_names_the_signed_in_person_never_a_typed_one() -> None:
    typed = {"confirmed_by": "SE2321000131-E000000000999", "unit": "SE2321000131-E000000000998"}
    data = ACTIONS["confirm_planning"].data(VC, typed)
    assert data == {"party": "vardcentral", "unit": UNIT, "confirmed_by": VC.hsa_id}
    assert ACTIONS["accept_handover"].data(VC, {})["accepted_by"] == VC.hsa_id
    assert source_of(LMV, ACTIONS["record_contact"]) == f"urn:hsa:{LMV.hsa_id}"
    assert source_of(VC, ACTIONS["acknowledge_delivery"]) == f"urn:hsa:{UNIT}"  # the receiver's own receipt
    without_unit = Principal(hsa_id=LMV.hsa_id, name="Lars", role="lmv", unit=None)
    with pytest.raises(ActionRefused):
        ACTIONS["confirm_planning"].data(without_unit, {})


def test_each_role_takes_only_its_own_actions() -> None:
    assert [a for a in ACTIONS if may_take(VC, ACTIONS[a])] == [
        "confirm_planning", "record_contact", "request_consult", "accept_handover", "acknowledge_delivery",
    ]  # fmt: skip
    assert not may_take(LMV, ACTIONS["accept_handover"]) and may_take(LMV, ACTIONS["propose_handover"])
    assert not any(may_take(COORDINATOR, action) for action in ACTIONS.values())


def test_the_page_offers_what_the_phase_asks_for_and_the_coordinator_sees_who_is_missing() -> None:
    planning = Pathway().on(admitted(T0, listed_vardcentral=UNIT), risk(T0 + hours(1)))
    assert offered(LMV, planning.state.view()) == ["confirm_planning"]
    assert [(m.party, m.what) for m in missing(planning.state.view())] == [
        ("lmv", "planning"),
        ("vardcentral", "planning"),
    ]
    planning.on(confirmed(T0 + hours(2), "lmv"))
    assert offered(LMV, planning.state.view()) == [] and offered(VC, planning.state.view()) == [
        "confirm_planning"
    ]
    assert [m.party for m in missing(planning.state.view())] == ["vardcentral"]

    support = high_risk_discharged()
    assert offered(LMV, support.state.view()) == ["record_contact", "request_consult", "propose_handover"]
    assert [(m.party, m.what) for m in missing(support.state.view())] == [("lmv", "first_contact")]


def test_the_dry_run_gives_the_rules_own_reason_and_changes_nothing() -> None:
    support = high_risk_discharged()
    before = support.state.model_dump()
    reason = refusal_of(support.state, accepted(T0 + hours(5)), T0 + hours(5), POLICY)
    assert reason == "primarycare.handover_accepted makes no sense in phase lmv_support"
    assert refusal_of(support.state, contact(T0 + hours(5)), T0 + hours(5), POLICY) is None
    assert support.state.model_dump() == before
