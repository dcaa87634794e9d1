"""The outbound models: one per type, publishing what the pathway published before them, naming receivers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter

from events.outbound.catalogue import OUTBOUND_MODELS, outbound_data
from events.outbound.data import OutboundData, Recipient
from events.outbound.event import OutboundEvent
from events.outbound.names import OUTBOUND_TYPES
from tests.workflow.record_histories import HISTORY_DIR

LMV = "SE2321000131-E000000000200"
REGION_LMV = "SE2321000131-E000000000299"
VC = "SE2321000131-F000000000101"
ROTA = "SE2321000131-E000000000920"
ONCALL = "SE2321000131-E000000000930"
WINTER = timezone(timedelta(hours=1))
BASE = {"patient_key": "pk_test", "episode_id": "ep-1"}
IDENTITY = {"patient": {"id": "190912319803"}}


def data(type_: str, **fields: object) -> OutboundData:
    return outbound_data(type_, {**BASE, **fields})


def test_every_outbound_type_has_its_own_model_and_every_receiver_field_exists() -> None:
    assert sorted(OUTBOUND_MODELS) == sorted(OUTBOUND_TYPES)
    for type_, model in OUTBOUND_MODELS.items():
        assert model.TYPE == type_
        for rule in model.RECEIVERS:
            assert rule.field is None or rule.field in model.model_fields, (type_, rule.field)


def test_a_model_publishes_the_fields_it_was_given_with_their_offsets_and_nothing_else() -> None:
    ends = datetime(2026, 3, 16, 10, 0, tzinfo=WINTER)
    started = data("support_started", **IDENTITY, to="lmv", support_ends_at=ends, admitted_at=None)
    assert started.published() == {
        **BASE,
        **IDENTITY,
        "to": "lmv",
        "support_ends_at": "2026-03-16T10:00:00+01:00",
        "admitted_at": None,  # given as null: published as null, as before the models
    }
    utc = data("extension_review_requested", due_at=datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    assert utc["due_at"] == "2026-03-16T09:00:00+00:00"  # isoformat, not pydantic's "Z"


def test_the_activity_input_keeps_its_json_form_through_temporals_converter() -> None:
    summary = {
        "risk_level": "high",
        "home_type": "own_home",
        "discharged_at": "2026-03-02T10:00:00+01:00",
        "lmv_enrolled": True,
        "extensions": 0,
    }  # as an event published before `admitted_at` was added
    wire = {
        "id": "d6df210e-1c2e-507c-b9b3-dd65ef7462a7",
        "type": "handover_requested",
        "time": "2026-11-23T19:42:47.691000Z",
        "data": {**BASE, **IDENTITY, "to": VC, "reason": "lmv proposed handover", "summary": summary},
    }
    [payload] = pydantic_data_converter.payload_converter.to_payloads([OutboundEvent.model_validate(wire)])
    assert json.loads(payload.data) == wire
    [event] = pydantic_data_converter.payload_converter.from_payloads([payload], [OutboundEvent])
    assert event.cloudevent()["data"] == wire["data"]


def saved_publish_inputs() -> list[dict[str, object]]:
    """The publish activity's inputs in the saved histories (those recorded before it became local)."""
    inputs = []
    for path in sorted(HISTORY_DIR.glob("*.json")):
        for event in json.loads(path.read_text())["events"]:
            scheduled = event.get("activityTaskScheduledEventAttributes", {})
            if scheduled.get("activityType", {}).get("name") == "publish_outbound":
                inputs.append(json.loads(base64.b64decode(scheduled["input"]["payloads"][0]["data"])))
    return inputs


def test_every_publish_input_in_the_saved_histories_is_read_and_written_back_as_it_was() -> None:
    inputs = saved_publish_inputs()
    assert len(inputs) > 50 and len({i["type"] for i in inputs}) >= 12
    for saved in inputs:
        [payload] = pydantic_data_converter.payload_converter.to_payloads(
            [OutboundEvent.model_validate(saved)]
        )
        assert json.loads(payload.data) == saved


def test_joint_planning_goes_to_the_lmv_unit_and_the_listed_vc_both_with_the_identity() -> None:
    planning = data("joint_planning_requested", **IDENTITY, to=["lmv", "vardcentral"], listed_vardcentral=VC)
    assert planning.receivers(REGION_LMV) == [
        Recipient(REGION_LMV, "lmv", identity=True, acts=True),
        Recipient(VC, "vardcentral", identity=True, acts=True),
    ]
    named = data("joint_planning_requested", to=["lmv", "vardcentral"], listed_vardcentral=None, lmv_unit=LMV)
    assert [r.hsa_id for r in named.receivers(REGION_LMV)] == [LMV]  # no VC known: only LMV


def test_a_cancellation_goes_to_the_one_party_it_is_addressed_to() -> None:
    to_lmv = data("discharge_cancelled", **IDENTITY, to="lmv", lmv_unit=LMV)
    to_vc = data("discharge_cancelled", **IDENTITY, to=VC, lmv_unit=LMV)
    assert [(r.hsa_id, r.party, r.identity) for r in to_lmv.receivers()] == [(LMV, "lmv", True)]
    assert [(r.hsa_id, r.party, r.identity) for r in to_vc.receivers()] == [(VC, "vardcentral", True)]


def test_an_event_not_addressed_to_lmv_reaches_it_only_when_it_names_the_lmv_unit() -> None:
    started = data("pathway_started", opened_by="hospital.patient_admitted", phase="inpatient")
    assert started.receivers(REGION_LMV) == []  # LMV takes no part yet; no VC known
    listed = data(
        "pathway_started", opened_by="hospital.patient_admitted", phase="inpatient", listed_vardcentral=VC
    )
    assert [r.party for r in listed.receivers(REGION_LMV)] == ["vardcentral"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"to": "coordinator"}, []),  # coordinators work from the inbox: no delivery
        ({"to": "vardcentral", "listed_vardcentral": VC, "lmv_unit": LMV}, [(VC, False, False)]),
        ({"to": "lmv", "listed_vardcentral": VC}, [(REGION_LMV, False, False)]),
        ({"to": ROTA, "consult_id": "c-1"}, [(ROTA, False, False)]),  # an unanswered consult, to its rota
    ],
)
def test_an_escalation_goes_to_whom_to_names(
    fields: dict[str, object], expected: list[tuple[str, bool, bool]]
) -> None:
    escalation = data("escalation_raised", reason="first_contact_overdue", **fields)
    assert [(r.hsa_id, r.identity, r.acts) for r in escalation.receivers(REGION_LMV)] == expected


def test_a_municipal_concern_asks_its_receiver_to_act_and_a_night_one_goes_only_to_the_oncall_unit() -> None:
    day = data("escalation_raised", reason="municipal_concern", to="vardcentral", listed_vardcentral=VC)
    assert day.receivers() == [Recipient(VC, "vardcentral", identity=True, acts=True)]
    night = data(
        "escalation_raised",
        reason="municipal_concern",
        to="vardcentral",
        listed_vardcentral=VC,
        routed_to=ONCALL,
    )
    assert night.receivers() == [Recipient(ONCALL, "oncall", identity=True, acts=True)]


def test_a_consult_without_a_rota_hsa_id_has_no_receiver() -> None:
    fields: dict[str, object] = {"consult_id": "c", "urgency": "acute", "party": "lmv", "requested_by": LMV}
    fields |= {"risk_level": "high", "discharged_at": None, "support_ends_at": None}
    assert data("consult_requested", to="oncall", **fields).receivers() == []  # the rules' fallback word
    assert [r.party for r in data("consult_requested", to=ROTA, **fields).receivers()] == ["oncall"]


def test_data_of_another_type_is_refused() -> None:
    granted = data("extension_granted", days=3, support_ends_at="2026-03-16T10:00:00+01:00", decided_by=LMV)
    with pytest.raises(ValueError, match="is not the data of support_started"):
        outbound_data("support_started", granted)
    with pytest.raises(ValueError, match="not an outbound type"):
        outbound_data("teleported", {})
