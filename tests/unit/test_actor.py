"""Every update says who sends it, and only the processes that may send it, for the person it names."""

import pytest

from workflows.actor import Actor, check_actor, check_decision_actor
from workflows.names import UPDATE_ACKNOWLEDGE, UPDATE_DECIDE

COORDINATOR = "SE2321000131-E000000000300"
OPS = "SE2321000131-E000000000900"


def test_the_web_page_decides_and_acknowledges_for_the_signed_in_person() -> None:
    web = Actor(process="web", person=COORDINATOR)
    check_actor(UPDATE_DECIDE, web, COORDINATOR)
    check_actor(UPDATE_ACKNOWLEDGE, web, COORDINATOR)
    with pytest.raises(ValueError, match="names SE2321000131-E000000000900"):
        check_actor(UPDATE_DECIDE, web, OPS)


def test_the_cli_decides_as_its_person_and_acknowledges_nothing_the_gateway_updates_nothing() -> None:
    check_actor(UPDATE_DECIDE, Actor(process="cli", person=OPS), OPS)
    with pytest.raises(ValueError, match="cli process may not"):
        check_actor(UPDATE_ACKNOWLEDGE, Actor(process="cli", person=OPS), OPS)
    with pytest.raises(ValueError, match="gateway process may not"):
        check_actor(UPDATE_DECIDE, Actor(process="gateway", person=OPS), OPS)


def test_an_update_without_an_actor_is_refused() -> None:
    with pytest.raises(ValueError, match="no actor"):
        check_actor(UPDATE_ACKNOWLEDGE, None, COORDINATOR)


def test_a_cli_decision_is_for_its_typist_a_web_decision_for_the_signed_in_coordinator() -> None:
    check_decision_actor(Actor(process="cli", person=OPS), decided_by=COORDINATOR, recorded_by=OPS)
    check_decision_actor(Actor(process="web", person=COORDINATOR), decided_by=COORDINATOR, recorded_by=None)
    with pytest.raises(ValueError, match="names"):
        check_decision_actor(Actor(process="cli", person=OPS), decided_by=COORDINATOR, recorded_by=None)
