"""Who acts on a pathway through an update, and whether that process may: a pure rule, no Temporal.

Every update carries its ``Actor``: the process that sends it and the person it acts for. The actor rides
inside the update's payload, which only a holder of the key ring can seal (discharge/codec.py refuses
anything else), so Temporal access alone cannot make one. The update's validator (which Temporal runs when
an update arrives, never on replay, so saved histories are untouched) refuses an update whose actor is
missing, whose process may not make it, or whose person is not the one the update names:

- ``decide``: the web page for the signed-in coordinator (``decided_by``), or the CLI for its ``--as``
  person, a key ring holder (``recorded_by``; ``decided_by`` is then the typed coordinator).
- ``acknowledge_escalation``: the web page, for the signed-in person (``acknowledged_by``).

The gateway only signals events (each carries its sending system's ``source``); it makes no update.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from events.fields import HsaId
from workflows.names import UPDATE_ACKNOWLEDGE, UPDATE_DECIDE

Process = Literal["gateway", "web", "cli"]

#: Which processes may send which update.
MAY_UPDATE: dict[str, frozenset[str]] = {
    UPDATE_DECIDE: frozenset({"web", "cli"}),
    UPDATE_ACKNOWLEDGE: frozenset({"web"}),
}


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    process: Process
    person: HsaId


def check_actor(update: str, actor: Actor | None, named: str | None) -> None:
    """Raise ``ValueError`` unless ``actor`` may send ``update`` for the person the update names."""
    if actor is None:
        raise ValueError(f"{update}: no actor: an update must say which process sends it, for whom")
    if actor.process not in MAY_UPDATE.get(update, frozenset()):
        raise ValueError(f"{update}: the {actor.process} process may not send it")
    if named is None:
        raise ValueError(f"{update}: it names no person it is for")
    if actor.person != named:
        raise ValueError(f"{update}: sent for {actor.person}, but it names {named}")


def check_decision_actor(actor: Actor | None, decided_by: str, recorded_by: str | None) -> None:
    """A decision names the coordinator it is for (web page) or the person who typed it (CLI)."""
    named = recorded_by if actor is not None and actor.process == "cli" else decided_by
    check_actor(UPDATE_DECIDE, actor, named)
