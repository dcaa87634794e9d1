"""Our metrics: outcomes counted from what is published, labels only from closed sets."""

from __future__ import annotations

from prometheus_client import REGISTRY

from discharge.ops.metrics import COORDINATOR_HANDOVER, OTHER, bounded, record_outbound
from workers.gateway.observed import event_type_of


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_an_escalation_is_counted_by_its_reason_and_an_unknown_reason_as_other() -> None:
    before = sample("discharge_escalations_total", reason="first_contact_overdue")
    record_outbound("escalation_raised", {"reason": "first_contact_overdue", "patient_key": "pk_x"})
    assert sample("discharge_escalations_total", reason="first_contact_overdue") == before + 1
    others = sample("discharge_escalations_total", reason=OTHER)
    record_outbound("escalation_raised", {"reason": "19091231-9803"})  # never a label value as sent
    assert sample("discharge_escalations_total", reason=OTHER) == others + 1
    assert sample("discharge_escalations_total", reason="19091231-9803") == 0


def test_pathways_opened_and_decisions_follow_the_outbound_events() -> None:
    opened = sample("discharge_pathways_opened_total")
    extend = sample("discharge_decisions_total", decision="extend")
    handover = sample("discharge_decisions_total", decision="handover")
    record_outbound("pathway_started", {})
    record_outbound("extension_granted", {})
    record_outbound("handover_requested", {"reason": "standard risk: responsibility passes to the VC"})
    record_outbound("handover_requested", {"reason": COORDINATOR_HANDOVER})
    assert sample("discharge_pathways_opened_total") == opened + 1
    assert sample("discharge_decisions_total", decision="extend") == extend + 1
    assert sample("discharge_decisions_total", decision="handover") == handover + 1


def test_a_subject_a_sender_made_up_is_not_a_label() -> None:
    assert event_type_of("events.hospital.patient_admitted") == "hospital.patient_admitted"
    assert event_type_of("events.pk_0123456789abcdef") == OTHER
    assert bounded("x", ("a", "b")) == OTHER
