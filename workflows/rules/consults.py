"""The on-call specialist: consults requested by LMV or the VC, answered by the discharging clinic.

Seed 003's safety net: "specialistläkare på Hallands sjukhus finns tillgängliga i jourberedskap dygnet
runt". A consult goes to the on-call rota of the unit that admitted the patient (looked up by the
workflow into ``state.oncall_rota``). Each open consult has its own deadline; unanswered, it is
escalated to the rota and the coordinator, and again each timeout until answered.

An answer names its consult by ``request_id`` (the request event's id); without one it answers the
patient's oldest open consult: the on-call specialist answers calls in the order they came.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from events.inbound.corrections import ConsultUrgency
from events.inbound.envelopes import ConsultAnswered, ConsultRequested
from workflows.policy import Policy
from workflows.rules.consult import OpenConsult
from workflows.rules.state import SUPPORT_PHASES
from workflows.rules.step import Step

#: After discharge, while LMV or the VC follows the patient up.
CONSULT_PHASES = (*SUPPORT_PHASES, "handover", "follow_up")
#: The rota of a unit the registry does not know (and of a pathway whose admission never arrived).
FALLBACK_ROTA = "oncall"


def answer_timeout(urgency: ConsultUrgency, policy: Policy) -> timedelta:
    if urgency == "acute":
        return policy.consult_answer_timeout_acute
    return policy.consult_answer_timeout_non_acute


def consult_requested(step: Step, event: ConsultRequested, policy: Policy) -> str | None:
    s = step.s
    if s.discharged_at is None or s.phase not in CONSULT_PHASES:
        return None
    d = event.data
    rota = s.oncall_rota or s.admitting_unit or FALLBACK_ROTA
    consult = OpenConsult(
        id=event.id,
        party=d.party,
        requested_by=d.requested_by,
        urgency=d.urgency,
        requested_at=event.time,
        rota=rota,
        due_at=event.time + answer_timeout(d.urgency, policy),
    )
    s.consults.append(consult)
    # The specialist gets the pathway's context, never free text.
    step.publish(
        "consult_requested",
        identity=True,
        to=rota,
        consult_id=consult.id,
        urgency=d.urgency,
        party=d.party,
        requested_by=d.requested_by,
        risk_level=s.risk_level,
        discharged_at=s.discharged_at,
        support_ends_at=s.support_ends_at,
    )
    urgency = d.urgency.replace("_", "-")
    return f"{d.party} called the on-call specialist ({urgency}, consult {consult.id}): rota {rota}"


def consult_answered(step: Step, event: ConsultAnswered) -> str | None:
    s = step.s
    wanted = event.data.request_id
    consult = next((c for c in s.consults if wanted in (None, c.id)), None)
    if consult is None:
        step.ignore(event, f"with no open consult{'' if wanted is None else ' of that request id'}")
        return None
    s.consults.remove(consult)
    return f"consult {consult.id} answered by {event.data.answered_by}"


def consult_deadlines(step: Step, now: datetime, policy: Policy) -> None:
    """Escalate each consult whose answer is overdue, to its rota and the coordinator; again each timeout."""
    for consult in sorted(step.s.consults, key=lambda c: (c.due_at, c.id)):
        if consult.due_at > now:
            continue
        step.log("timer", f"deadline consult_answer of {consult.id} passed ({consult.due_at.isoformat()})")
        consult.escalations += 1
        step.log(
            "escalation",
            f"consult {consult.id} ({consult.urgency}) not answered: escalated to rota {consult.rota} "
            f"and the coordinator (time {consult.escalations})",
        )
        for to in (consult.rota, "coordinator"):
            step.escalate(
                "consult_not_answered",
                to,
                consult_id=consult.id,
                urgency=consult.urgency,
                requested_at=consult.requested_at,
                repetition=consult.escalations,
            )
        timeout = answer_timeout(consult.urgency, policy)
        # After an outage the next reminder is one timeout from now, not a burst of missed ones.
        following = consult.due_at + timeout
        consult.due_at = following if following > now else now + timeout
