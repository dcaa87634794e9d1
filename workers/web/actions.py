"""What LMV and vårdcentral physicians do from the page: each action is one of the contract's inbound events.

An action names the inbound type it sends, which roles may take it, and how its ``data`` is made from the
signed-in person and the form. The person is never typed: ``confirmed_by``, ``performed_by``, ``unit`` and
the receipt's ``recipient`` come from the sign-in (workers/web/claims.py), and the event's ``source`` is
``urn:hsa:<their HSA-id>`` (contract, "The people's workspace"). What the form may choose (the kind of
contact, a consult's urgency) is sent as chosen: the gateway's own validation refuses anything else.
Pure: no Starlette, no Temporal (workers/web/act.py sends them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from discharge.i18n import N_, gettext as _
from discharge.principal import Principal
from discharge.readmodel.patient import PatientPage
from workflows.api import DeliveryRecord, PathwayView

Form = Mapping[str, Any]


class ActionRefused(Exception):
    """The action cannot be made for this person (e.g. a sign-in without a unit); the message says why."""


def party_of(principal: Principal) -> str:
    """The contract's ``party`` for the person's role: LMV, or the vårdcentral."""
    return "lmv" if principal.role == "lmv" else "vardcentral"


def unit_of(principal: Principal) -> str:
    if principal.unit is None:
        raise ActionRefused(_("your sign-in names no unit (claim 'unit'): ask for access"))
    return principal.unit


def _text(form: Form, name: str) -> str:
    return str(form.get(name, "")).strip()


@dataclass(frozen=True)
class Action:
    name: str  # the route's last part: /patients/{key}/actions/{name}
    type: str  # the contract's inbound type
    roles: frozenset[str]
    data: Callable[[Principal, Form], dict[str, Any]]
    done: str  # what the page says once it is sent (marked N_, translated when shown)
    # A receipt is the receiving unit's: its ``source`` is the unit (a receipt must come from the receiver it
    # names, events/inbound/receipts.py); the person who pressed the button is in the access log.
    as_unit: bool = False


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "confirm_planning",
            "primarycare.planning_confirmed",
            frozenset({"lmv", "vc"}),
            lambda p, f: {"party": party_of(p), "unit": unit_of(p), "confirmed_by": p.hsa_id},
            N_("Joint planning confirmed"),
        ),
        Action(
            "record_contact",
            "primarycare.physician_contact",
            frozenset({"lmv", "vc"}),
            lambda p, f: {"party": party_of(p), "kind": _text(f, "kind"), "performed_by": p.hsa_id},
            N_("Physician contact recorded"),
        ),
        Action(
            "propose_handover",
            "primarycare.handover_proposed",
            frozenset({"lmv"}),
            lambda p, f: {"proposed_by": p.hsa_id},
            N_("Handover proposed"),
        ),
        Action(
            "request_consult",
            "primarycare.consult_requested",
            frozenset({"lmv", "vc"}),
            lambda p, f: {"party": party_of(p), "requested_by": p.hsa_id, "urgency": _text(f, "urgency")},
            N_("Consult with the on-call specialist requested"),
        ),
        Action(
            "accept_handover",
            "primarycare.handover_accepted",
            frozenset({"vc"}),
            lambda p, f: {"unit": unit_of(p), "accepted_by": p.hsa_id},
            N_("Handover accepted"),
        ),
        Action(
            "acknowledge_delivery",
            "primarycare.message_acknowledged",
            frozenset({"lmv", "vc"}),
            lambda p, f: {
                "message_id": _text(f, "message_id"),
                "recipient": unit_of(p),
                "outcome": "received",
            },
            N_("Receipt acknowledged"),
            as_unit=True,
        ),
    )
}


def may_take(principal: Principal, action: Action) -> bool:
    return principal.role in action.roles


def source_of(principal: Principal, action: Action | None = None) -> str:
    """The CloudEvent ``source`` of an action: the signed-in person (contract: ``urn:hsa:<HSA-id>``), or for
    a receipt the person's unit, the receiver."""
    if action is not None and action.as_unit:
        return f"urn:hsa:{unit_of(principal)}"
    return f"urn:hsa:{principal.hsa_id}"


#: The phases after the discharge in which a physician's contact or a consult belongs to the pathway.
_CARE_PHASES = frozenset({"lmv_support", "extension_review", "handover", "follow_up"})


def offered(principal: Principal, view: PathwayView | PatientPage) -> list[str]:
    """The actions the page offers this person on this pathway now (the pathway still has the last word)."""
    if principal.role not in ("lmv", "vc") or view.phase == "closed":
        return []
    names: list[str] = []
    if party_of(principal) not in view.planning_confirmed and view.phase in ("inpatient", "joint_planning"):
        names.append("confirm_planning")
    if view.phase in _CARE_PHASES:
        names += ["record_contact", "request_consult"]
    if principal.role == "lmv" and view.phase == "lmv_support":
        names.append("propose_handover")
    if principal.role == "vc" and view.pending_task == "handover_acceptance":
        names.append("accept_handover")
    return [name for name in names if may_take(principal, ACTIONS[name])]


def deliveries_to_acknowledge(principal: Principal, view: PathwayView | PatientPage) -> list[DeliveryRecord]:
    """Deliveries to the person's own unit that still wait for its receipt."""
    if principal.unit is None or principal.role not in ("lmv", "vc"):
        return []
    return [
        d for d in view.deliveries if d.recipient == principal.unit and d.status in ("sent", "not_delivered")
    ]
