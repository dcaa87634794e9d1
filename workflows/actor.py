"""Who acts on a pathway through an update or a signal, and whether that process may: pure rules.

Every update carries its ``Actor``: the process that sends it and the person it acts for. The actor rides
inside the update's payload, which only a holder of the key ring can seal (discharge/codec.py refuses
anything else), so Temporal access alone cannot make one. The update's validator (which Temporal runs when
an update arrives, never on replay, so saved histories are untouched) refuses an update whose actor is
missing, whose process may not make it, or whose person is not the one the update names:

- ``decide``: the web page for the signed-in coordinator (``decided_by``), or the CLI for its ``--as``
  person, a key ring holder acting as ops (``recorded_by``; ``decided_by`` is then the typed coordinator).
- ``acknowledge_escalation``: the web page, for the signed-in coordinator or physician (``acknowledged_by``).

The actor names the person's role too, and the validator checks it (``MAY_UPDATE_AS``): the web page's own
role checks (workers/web/access.py) are kept by the pathway as well.

The gateway only signals events; it makes no update. Every signal carries its ``Sender`` the same way
(inside the encrypted payload, `workflows.api.PathwayEvent.actor`) and ``signal_refusal`` checks it where
the workflow takes the signal: only the gateway signals, and it acts for the sending system whose subject
the event came on (``events.<system>.<name>``: the NATS server lets each system's user publish only its
own, so the subject proves the system), or for a person whose role may send that system's events, with
``source`` ``urn:hsa:<the person>``. Refused signals are dead-lettered (``not_permitted``) in runs from the
patch ``signal-actors`` (workflows/patches.py); runs and histories from before it take them as before.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from events.fields import HsaId
from workflows.names import UPDATE_ACKNOWLEDGE, UPDATE_DECIDE

Process = Literal["gateway", "web", "cli"]
#: A signed-in person's role (the same four as `discharge.principal.Role`, which loads no workflow code).
PersonRole = Literal["coordinator", "lmv", "vc", "ops"]

#: The processes that may signal events to a pathway.
MAY_SIGNAL: frozenset[str] = frozenset({"gateway"})
#: Which roles a person may have to send a system's events through a door that signs people in: the
#: physicians primary care's (a contact, a consult, a receipt), the coordinators coordination's and primary
#: care's; nobody sends a hospital's or a municipality's events as a person, and ops send none.
PERSON_MAY_SEND: dict[str, frozenset[str]] = {
    "primarycare": frozenset({"lmv", "vc", "coordinator"}),
    "coordination": frozenset({"coordinator"}),
}

#: Which processes may send which update.
MAY_UPDATE: dict[str, frozenset[str]] = {
    UPDATE_DECIDE: frozenset({"web", "cli"}),
    UPDATE_ACKNOWLEDGE: frozenset({"web"}),
}
#: Which roles the person may have, per update and process (the CLI's person acts as ops).
MAY_UPDATE_AS: dict[tuple[str, str], frozenset[str]] = {
    (UPDATE_DECIDE, "web"): frozenset({"coordinator"}),
    (UPDATE_DECIDE, "cli"): frozenset({"ops"}),
    (UPDATE_ACKNOWLEDGE, "web"): frozenset({"coordinator", "lmv", "vc"}),
}


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    process: Process
    person: HsaId
    # The person's role; None in updates from before roles were checked (refused by today's validator).
    role: PersonRole | None = None


def check_actor(update: str, actor: Actor | None, named: str | None) -> None:
    """Raise ``ValueError`` unless ``actor`` may send ``update`` for the person the update names."""
    if actor is None:
        raise ValueError(f"{update}: no actor: an update must say which process sends it, for whom")
    if actor.process not in MAY_UPDATE.get(update, frozenset()):
        raise ValueError(f"{update}: the {actor.process} process may not send it")
    if actor.role not in MAY_UPDATE_AS.get((update, actor.process), frozenset()):
        raise ValueError(f"{update}: a person in role {actor.role} may not send it from the {actor.process}")
    if named is None:
        raise ValueError(f"{update}: it names no person it is for")
    if actor.person != named:
        raise ValueError(f"{update}: sent for {actor.person}, but it names {named}")


def check_decision_actor(actor: Actor | None, decided_by: str, recorded_by: str | None) -> None:
    """A decision names the coordinator it is for (web page) or the person who typed it (CLI)."""
    named = recorded_by if actor is not None and actor.process == "cli" else decided_by
    check_actor(UPDATE_DECIDE, actor, named)


class Sender(BaseModel):
    """Who sends a signal: the process that signals (``process``), and the system or person it acts for.

    ``id`` is the sending system (``kind`` ``system``) or the person's HSA-id (``kind`` ``person``, with their
    ``role``). Never a patient's identity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["system", "person"]
    id: str
    process: Process
    role: PersonRole | None = None


def gateway_for(event_type: str) -> Sender:
    """The gateway's sender for an event it took from ``events.<event_type>``: the subject's system."""
    return Sender(kind="system", id=system_of(event_type), process="gateway")


def system_of(event_type: str) -> str:
    """The sending system an inbound type belongs to: ``hospital.patient_admitted`` → ``hospital``."""
    return event_type.split(".", 1)[0]


def signal_refusal(event_type: str, source: str, sender: Sender | None) -> str | None:
    """Why the pathway must refuse a signalled event of ``event_type`` from ``sender``, or None.

    A reason names the rule and the process, system or role, never the event's values."""
    system = system_of(event_type)
    if sender is None:
        return f"not_permitted: {event_type}: no actor: a signal must say which process sends it, for whom"
    if sender.process not in MAY_SIGNAL:
        return f"not_permitted: {event_type}: the {sender.process} process may not signal events"
    if sender.kind == "system":
        if sender.id != system:
            return f"not_permitted: {event_type}: sent for another system than {system}, whose event it is"
        return None
    if sender.role is None or sender.role not in PERSON_MAY_SEND.get(system, frozenset()):
        return f"not_permitted: {event_type}: a person in role {sender.role} may not send {system} events"
    if source != f"urn:hsa:{sender.id}":
        return f"not_permitted: {event_type}: sent for a person, but its source is not urn:hsa:<that person>"
    return None
