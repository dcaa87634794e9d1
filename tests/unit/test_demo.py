"""The demo's data: valid events, synthetic identities, deterministic ids, times in the past."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from discharge.demo.cast import PATIENTS
from discharge.demo.loader import anchor_time, demo_events, demo_rounds
from events.identity import parse_identity
from events.inbound.parsing import parse_inbound

NOW = datetime(2026, 10, 25, 2, 40, tzinfo=UTC)  # the night summer time ends in Sweden


def test_every_demo_event_validates_and_lies_in_the_past() -> None:
    for _, event in demo_events(NOW):
        parsed = parse_inbound(json.dumps(event), now=NOW)
        assert parsed.time <= NOW


def test_identities_are_synthetic_valid_personnummer_born_before_1910() -> None:
    identities = [patient.identity for patient in PATIENTS]
    assert len(set(identities)) == len(identities)
    for identity in identities:
        assert parse_identity(identity).kind == "personnummer"
        assert int(identity[:4]) < 1910


def test_a_rerun_gives_the_same_ids_and_within_the_hour_the_same_events() -> None:
    first = demo_events(NOW)
    ids = [(event["source"], event["id"]) for _, event in first]
    assert len(set(ids)) == len(ids)
    assert demo_events(NOW + timedelta(minutes=15)) == first
    later = demo_events(NOW + timedelta(days=1))
    assert [(event["source"], event["id"]) for _, event in later] == ids


def test_the_anchor_is_the_hour_before_now() -> None:
    assert anchor_time(NOW) == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


def test_the_demo_covers_the_pathways_a_newcomer_should_see() -> None:
    types = [event["type"] for _, event in demo_events(NOW)]
    for needed in (
        "hospital.patient_deceased",
        "primarycare.handover_proposed",
        "primarycare.handover_accepted",
        "coordination.extension_decided",
        "municipality.homecare_enrolled",
    ):
        assert needed in types
    homes = {event["data"].get("home_type") for _, event in demo_events(NOW)}
    assert "nursing_home" in homes
    readmissions = [
        patient
        for patient in PATIENTS
        if sum(step.type == "hospital.patient_admitted" for step in patient.steps) == 2
    ]
    assert readmissions, "a readmission needs a second admission"
    unassessed = [
        patient
        for patient in PATIENTS
        if not any(step.type == "hospital.risk_assessed" for step in patient.steps)
        and any(step.type == "hospital.patient_discharged" for step in patient.steps)
    ]
    assert unassessed, "a discharge without a risk assessment"


def test_the_extension_decision_comes_after_everything_else() -> None:
    events = demo_events(NOW)
    waves = [second for second, _ in events]
    assert waves == sorted(waves) and waves[-1] is True
    assert events[-1][1]["type"] == "coordination.extension_decided"


def test_a_round_never_holds_two_events_of_one_patient_and_keeps_each_story_in_order() -> None:
    seen: dict[str, list[str]] = {}
    for round_ in demo_rounds(NOW):
        patients = [event["data"]["patient"]["id"] for event in round_.events]
        assert len(patients) == len(set(patients))
        for event in round_.events:
            seen.setdefault(event["data"]["patient"]["id"], []).append(event["id"])
    for patient in PATIENTS:
        assert seen[patient.identity] == [
            f"demo-{patient.slug}-{n:02d}" for n in range(1, len(patient.steps) + 1)
        ]
