"""Every update and signal says who sends it; only the processes that may send it, for whom they may."""

from typing import get_args

import pytest

from discharge.principal import ROLES
from workers.stack.nats_auth import SENDERS
from workflows.actor import (
    PERSON_MAY_SEND,
    Actor,
    PersonRole,
    Sender,
    check_actor,
    check_decision_actor,
    gateway_for,
    signal_refusal,
)
from workflows.names import UPDATE_ACKNOWLEDGE, UPDATE_DECIDE

COORDINATOR = "SE2321000131-E000000000300"
OPS = "SE2321000131-E000000000900"
HOSPITAL = "urn:hsa:SE2321000131-E000000000001"
VC = "urn:hsa:SE2321000131-E000000000003"
COORDINATOR_SOURCE = f"urn:hsa:{COORDINATOR}"


def test_the_web_page_decides_and_acknowledges_for_the_signed_in_person() -> None:
    web = Actor(process="web", person=COORDINATOR, role="coordinator")
    check_actor(UPDATE_DECIDE, web, COORDINATOR)
    check_actor(UPDATE_ACKNOWLEDGE, web, COORDINATOR)
    with pytest.raises(ValueError, match="names SE2321000131-E000000000900"):
        check_actor(UPDATE_DECIDE, web, OPS)


def test_the_cli_decides_as_its_person_and_acknowledges_nothing_the_gateway_updates_nothing() -> None:
    check_actor(UPDATE_DECIDE, Actor(process="cli", person=OPS, role="ops"), OPS)
    with pytest.raises(ValueError, match="cli process may not"):
        check_actor(UPDATE_ACKNOWLEDGE, Actor(process="cli", person=OPS, role="ops"), OPS)
    with pytest.raises(ValueError, match="gateway process may not"):
        check_actor(UPDATE_DECIDE, Actor(process="gateway", person=OPS, role="ops"), OPS)


def test_an_update_without_an_actor_is_refused() -> None:
    with pytest.raises(ValueError, match="no actor"):
        check_actor(UPDATE_ACKNOWLEDGE, None, COORDINATOR)


def test_a_cli_decision_is_for_its_typist_a_web_decision_for_the_signed_in_coordinator() -> None:
    cli, web = (
        Actor(process="cli", person=OPS, role="ops"),
        Actor(process="web", person=COORDINATOR, role="coordinator"),
    )
    check_decision_actor(cli, decided_by=COORDINATOR, recorded_by=OPS)
    check_decision_actor(web, decided_by=COORDINATOR, recorded_by=None)
    with pytest.raises(ValueError, match="names"):
        check_decision_actor(cli, decided_by=COORDINATOR, recorded_by=None)


@pytest.mark.parametrize(
    ("update", "process", "role"),
    [
        (UPDATE_DECIDE, "web", "lmv"),  # only a coordinator decides on the web page
        (UPDATE_DECIDE, "web", "ops"),
        (UPDATE_DECIDE, "web", None),  # an actor from before roles were checked: the web page not updated
        (UPDATE_DECIDE, "cli", "coordinator"),  # the CLI is ops' tool: its person acts as ops
        (UPDATE_ACKNOWLEDGE, "web", "ops"),  # ops acknowledge no escalation
        (UPDATE_ACKNOWLEDGE, "web", None),
    ],
)
def test_an_update_from_a_person_whose_role_may_not_send_it_is_refused(
    update: str, process: str, role: str | None
) -> None:
    actor = Actor(process=process, person=COORDINATOR, role=role)
    with pytest.raises(ValueError, match=f"role {role} may not"):
        check_actor(update, actor, COORDINATOR)


def test_the_physicians_acknowledge_on_the_web_page() -> None:
    for role in ("lmv", "vc", "coordinator"):
        check_actor(UPDATE_ACKNOWLEDGE, Actor(process="web", person=COORDINATOR, role=role), COORDINATOR)


# -- signals: every signalled event says who sends it, for which system or person


def test_the_gateway_signals_each_system_only_its_own_events() -> None:
    assert (
        signal_refusal("hospital.patient_admitted", HOSPITAL, gateway_for("hospital.patient_admitted"))
        is None
    )
    assert signal_refusal("primarycare.message_acknowledged", VC, gateway_for("primarycare.x")) is None
    hospital = Sender(kind="system", id="hospital", process="gateway")
    refused = signal_refusal("coordination.extension_decided", COORDINATOR_SOURCE, hospital)
    assert refused is not None and "another system than coordination" in refused


def test_a_signal_without_an_actor_or_from_another_process_is_refused() -> None:
    assert "no actor" in (signal_refusal("hospital.patient_admitted", HOSPITAL, None) or "")
    for process in ("web", "cli"):
        sender = Sender(kind="system", id="hospital", process=process)
        refused = signal_refusal("hospital.patient_admitted", HOSPITAL, sender)
        assert refused is not None and f"the {process} process may not signal" in refused


def test_a_person_sends_only_their_roles_events_under_their_own_source() -> None:
    physician = Sender(kind="person", id=COORDINATOR, process="gateway", role="lmv")
    own = f"urn:hsa:{COORDINATOR}"
    assert signal_refusal("primarycare.physician_contact", own, physician) is None
    assert "role lmv may not send coordination" in (
        signal_refusal("coordination.extension_decided", own, physician) or ""
    )
    assert "role lmv may not send hospital" in (
        signal_refusal("hospital.patient_deceased", own, physician) or ""
    )
    assert "source is not" in (signal_refusal("primarycare.physician_contact", VC, physician) or "")
    ops = Sender(kind="person", id=OPS, process="gateway", role="ops")
    assert signal_refusal("primarycare.physician_contact", f"urn:hsa:{OPS}", ops) is not None
    nobody = Sender(kind="person", id=OPS, process="gateway")
    assert signal_refusal("primarycare.physician_contact", f"urn:hsa:{OPS}", nobody) is not None


def test_a_refusal_never_repeats_the_source() -> None:
    sender = Sender(kind="person", id=COORDINATOR, process="gateway", role="coordinator")
    refused = signal_refusal("coordination.extension_decided", "urn:hsa:19091231-9803", sender)
    assert refused is not None and "19091231" not in refused


def test_the_persons_roles_are_the_sign_ins_roles() -> None:
    assert set(get_args(PersonRole)) == set(ROLES)
    assert set(PERSON_MAY_SEND) <= set(SENDERS)  # the sending systems, each on its own subjects
