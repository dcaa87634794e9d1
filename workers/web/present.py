"""How the pages say things: Swedish local time, and the pathway's codes in the words people use.

Every table holds the English source words marked with ``N_`` (for the catalogue); they are translated
where they are shown, in the request's language (discharge/i18n.py, docs/translations.md).
"""

from __future__ import annotations

from datetime import datetime

from discharge.i18n import N_, gettext as _, local_time
from discharge.views.times import span
from discharge.views.words import REASONS, label
from events.identity import InvalidIdentity, parse_identity
from events.outbound.catalogue import OUTBOUND_MODELS
from workflows.api import DecisionResult

PHASES = {
    "inpatient": N_("Inpatient care (slutenvård)"),
    "joint_planning": N_("Joint planning (samordnad planering)"),
    "lmv_support": N_("LMV support"),
    "extension_review": N_("Extension review (förlängning)"),
    "handover": N_("Handover to the vårdcentral (överlämning)"),
    "follow_up": N_("Follow-up"),
    "closed": N_("Closed"),
}
TASKS = {
    "extension_review": N_("Extension review"),
    "handover_acceptance": N_("Handover acceptance (vårdcentral)"),
}
HOME_TYPES = {
    "own_home": N_("Own home"),
    "nursing_home": N_("Nursing home (SäBo)"),
    "lss_home": N_("LSS home"),
}
RISKS = {"high": N_("high"), "standard": N_("standard"), "low": N_("low")}
ROLES = {
    "coordinator": N_("coordinator"),
    "lmv": N_("LMV physician"),
    "vc": N_("vårdcentral physician"),
    "ops": N_("operations"),
}
#: The timeline's kinds of line.
ENTRY_KINDS = {
    "event": N_("event"),
    "decision": N_("decision"),
    "escalation": N_("escalation"),
    "timer": N_("deadline"),
    "outbound": N_("message"),
    "ignored": N_("ignored"),
    "acknowledged": N_("acknowledged"),
}
AUDIT_ACTIONS = {
    "view_pathway": N_("view pathway"),
    "view_identity": N_("view identity"),
    "view_story": N_("view full event log"),
    "search_identity": N_("search by identity"),
    "decide": N_("decide"),
    "decide_refused": N_("decision refused"),
    "ops_decide": N_("decide (ops action)"),
    "acknowledge": N_("acknowledge"),
    "sign_in": N_("sign in"),
    "show": N_("show (command line)"),
}
AUDIT_RESULTS = {"granted": N_("granted"), "refused": N_("refused")}
OUTCOMES = {
    "handed_over": N_("handed over"),
    "withdrawn": N_("withdrawn"),
    "cancelled": N_("cancelled"),
    "deceased": N_("deceased"),
    "readmitted": N_("readmitted"),
}
#: The events the pathway receives (inbound types), in words, for the timeline.
EVENTS = {
    "hospital.patient_admitted": N_("Admitted"),
    "hospital.risk_assessed": N_("Risk assessed"),
    "hospital.discharge_planned": N_("Discharge planned"),
    "hospital.patient_discharged": N_("Discharged (utskrivning)"),
    "hospital.admission_cancelled": N_("Admission cancelled"),
    "hospital.discharge_cancelled": N_("Discharge cancelled"),
    "hospital.discharge_corrected": N_("Discharge corrected"),
    "hospital.patient_deceased": N_("Patient deceased"),
    "hospital.consult_answered": N_("Consult answered by the beredskapsjour"),
    "primarycare.planning_confirmed": N_("Joint planning confirmed"),
    "primarycare.physician_contact": N_("Physician contact"),
    "primarycare.handover_proposed": N_("Handover proposed"),
    "primarycare.handover_accepted": N_("Handover accepted by the vårdcentral"),
    "primarycare.consult_requested": N_("Consult requested"),
    "primarycare.support_declined": N_("LMV support declined"),
    "primarycare.message_acknowledged": N_("Delivery acknowledged"),
    "primarycare.patient_experience_reported": N_("Patient experience reported"),
    "municipality.concern_raised": N_("Concern raised by the municipality"),
    "municipality.homecare_enrolled": N_("Enrolled in municipal home care"),
    "municipality.homecare_ended": N_("Municipal home care ended"),
    "coordination.extension_decided": N_("Extension decided"),
    "coordination.lmv_enrollment_decided": N_("LMV enrolment decided"),
}
#: The messages the pathway sends (outbound types), in words; the type itself is shown beside them.
MESSAGES = {
    "pathway_started": N_("Pathway started"),
    "joint_planning_requested": N_("Joint planning requested"),
    "support_started": N_("LMV support started"),
    "support_rescheduled": N_("LMV support rescheduled"),
    "extension_review_requested": N_("Extension review requested"),
    "extension_granted": N_("Extension granted"),
    "handover_requested": N_("Handover requested"),
    "handover_completed": N_("Handover completed"),
    "home_visit_requested": N_("Home visit requested"),
    "consult_requested": N_("Consult requested"),
    "escalation_raised": N_("Escalation raised"),
    "physician_contact_recorded": N_("Physician contact recorded"),
    "reimbursable_visit_recorded": N_("Reimbursable visit recorded"),
    "patient_experience_recorded": N_("Patient experience recorded"),
    "delivery_received": N_("Delivery received"),
    "joint_planning_confirmed": N_("Joint planning confirmed"),
    "discharge_cancelled": N_("Discharge cancelled"),
    "pathway_withdrawn": N_("Pathway withdrawn"),
    "pathway_closed": N_("Pathway closed"),
}
#: A delivery's receipt, as the patient page's messages show it for each receiver.
RECEIPT_STATUSES = {
    "sent": N_("delivered"),
    "received": N_("receipt: received"),
    "rejected": N_("receipt: rejected"),
    "not_delivered": N_("no receipt in time"),
}
#: A physician's contact, as the timeline words it.
CONTACT_KINDS = {
    "home_visit": N_("home visit"),
    "phone": N_("phone"),
    "video": N_("video"),
    "clinic": N_("clinic visit"),
}
#: The receiving parties in the words on the page.
PARTIES = {
    "lmv": N_("LMV"),
    "vardcentral": N_("vårdcentral"),
    "oncall": N_("beredskapsjour"),
    "coordination": N_("coordinator"),
}


def recipients(event_type: str | None) -> str:
    """Who receives an outbound message (the patient page's "messages"), as its model declares."""
    model = OUTBOUND_MODELS.get(event_type or "")
    if model is None:
        return "–"
    parties = dict.fromkeys(_(PARTIES[rule.party]) for rule in model.RECEIVERS)
    return ", ".join(parties)


def identity_kind(canonical: str) -> str:
    """personnummer, samordningsnummer or reservnummer: what the number is, in the words on the page."""
    try:
        return parse_identity(canonical).kind
    except InvalidIdentity:
        return _("patient identity")


def identity_text(canonical: str) -> str:
    """``YYYYMMDD-NNNN``: the hyphen before the last four, as people write it."""
    return f"{canonical[:8]}-{canonical[8:]}" if len(canonical) == 12 else canonical


def local(moment: datetime | None) -> str:
    return local_time(moment)


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def relative(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    if moment < now:
        return _("overdue by %(span)s") % {"span": span(now - moment)}
    return _("in %(span)s") % {"span": span(moment - now)}


def decided_text(result: DecisionResult, days: object) -> str:
    """The flash after a decision, in the page's words (the workflow's own message is English)."""
    if result.decision == "extend" and result.support_ends_at:
        return _("LMV support extended by %(days)s days; support now ends %(when)s") % {
            "days": days,
            "when": local(result.support_ends_at),
        }
    if result.decision == "handover":
        return _("Handover to the listed vårdcentral started")
    return result.message


def labelled(table: dict[str, str]) -> object:
    return lambda code: label(table, code)


FILTERS = {
    "local": local,
    "identity": identity_text,
    "identity_kind": identity_kind,
    "iso": iso,
    "phase": labelled(PHASES),
    "task": labelled(TASKS),
    "reason": labelled(REASONS),
    "home": labelled(HOME_TYPES),
    "risk": lambda code: label(RISKS, code) if code else _("not assessed"),
    "role": labelled(ROLES),
    "outcome": labelled(OUTCOMES),
    "entry_kind": labelled(ENTRY_KINDS),
    "audit_action": labelled(AUDIT_ACTIONS),
    "audit_result": labelled(AUDIT_RESULTS),
    "recipients": recipients,
    "message": labelled(MESSAGES),
    "event_words": lambda code: label(EVENTS, code) if code in EVENTS else "",
    "receipt_status": labelled(RECEIPT_STATUSES),
    "contact_kind": labelled(CONTACT_KINDS),
    "party": labelled(PARTIES),
}
