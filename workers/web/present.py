"""How the pages say things: Swedish local time, and the pathway's codes in the words people use."""

from __future__ import annotations

from datetime import datetime

from discharge.views.times import span
from events.identity import InvalidIdentity, parse_identity
from workflows.policy import STOCKHOLM

PHASES = {
    "inpatient": "Inpatient (slutenvård)",
    "joint_planning": "Joint planning",
    "lmv_support": "LMV support",
    "extension_review": "Extension review (förlängning)",
    "handover": "Handover to the vårdcentral",
    "follow_up": "Follow-up",
    "closed": "Closed",
}
TASKS = {
    "extension_review": "Extension review",
    "handover_acceptance": "Handover acceptance (VC)",
}
REASONS = {
    "discharged_without_risk_assessment": "Utskrivning without a risk assessment",
    "discharged_before_planning_complete": "Utskrivning before joint planning was complete",
    "planning_not_confirmed": "Joint planning not confirmed by LMV or the VC",
    "first_contact_overdue": "No LMV physician contact yet",
    "extension_decision_overdue": "Extension decision overdue",
    "handover_not_accepted": "The vårdcentral has not accepted the handover",
    "municipal_concern": "The municipality raised a concern",
    "consult_not_answered": "On-call consult not answered",
}
HOME_TYPES = {"own_home": "Own home", "nursing_home": "Nursing home (SäBo)", "lss_home": "LSS home"}
#: Who receives each outbound message (the contract's outbound list): the patient page's "messages".
RECIPIENTS = {
    "pathway_started": "LMV, VC",
    "joint_planning_requested": "LMV, VC",
    "support_started": "LMV",
    "extension_review_requested": "Coordinator",
    "extension_granted": "LMV, VC",
    "handover_requested": "VC",
    "handover_completed": "LMV, VC",
    "home_visit_requested": "VC",
    "reimbursable_visit_recorded": "VC, region",
    "escalation_raised": "Coordinator",
    "pathway_closed": "LMV, VC",
    "discharge_cancelled": "LMV, VC",
    "support_rescheduled": "LMV, VC",
    "consult_requested": "On-call specialist",
}


def identity_kind(canonical: str) -> str:
    """personnummer, samordningsnummer or reservnummer: what the number is, in the words on the page."""
    try:
        return parse_identity(canonical).kind
    except InvalidIdentity:
        return "patient identity"


def identity_text(canonical: str) -> str:
    """``YYYYMMDD-NNNN``: the hyphen before the last four, as people write it."""
    return f"{canonical[:8]}-{canonical[8:]}" if len(canonical) == 12 else canonical


def local(moment: datetime | None) -> str:
    if moment is None:
        return "–"
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def relative(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    if moment < now:
        return f"overdue by {span(now - moment)}"
    return f"in {span(moment - now)}"


def label(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return "–"
    return table.get(code, code.replace("_", " "))


FILTERS = {
    "local": local,
    "identity": identity_text,
    "identity_kind": identity_kind,
    "iso": iso,
    "phase": lambda code: label(PHASES, code),
    "task": lambda code: label(TASKS, code),
    "reason": lambda code: label(REASONS, code),
    "home": lambda code: label(HOME_TYPES, code),
    "recipients": lambda code: RECIPIENTS.get(code or "", "–"),
}
