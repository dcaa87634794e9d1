"""Would the pathway act on this event now? The rules tried on a copy of the state, for the web page.

A person who acts from the web page (confirms planning, accepts a handover) sends the contract's inbound
event, which reaches the pathway by signal like any other system's. A signal has no answer, so before the
page sends one it asks the pathway (query ``check_event``) whether its rules would take the event now:
the answer is the rules' own reason for ignoring it, or ``None``. Nothing is changed and nothing is
published: the rules run on a deep copy. Pure: no Temporal.
"""

from __future__ import annotations

from datetime import datetime

from events.inbound.envelopes import InboundEvent
from workflows.policy import Policy
from workflows.rules.dispatch import apply_event
from workflows.rules.state import PathwayState


def refusal_of(state: PathwayState, event: InboundEvent, now: datetime, policy: Policy | None) -> str | None:
    """Why the rules would not act on ``event`` at ``now`` (their own words), or ``None`` if they would."""
    if policy is None:
        return "the pathway is starting: try again in a moment"
    if state.phase == "closed":
        return "the pathway has closed"
    try:
        outcome = apply_event(state.model_copy(deep=True), event, now, policy)
    except Exception:  # a rule's bug is the pathway's to record when the event arrives, not the page's
        return None
    return outcome.ignored
