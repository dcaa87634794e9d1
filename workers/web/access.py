"""Who may see and do what: one home for the roles' rules (the pages and the tests import them).

- coordinator: every patient, sees identities, decides extension reviews, acknowledges escalations.
- lmv: patients while LMV takes part (joint planning, which LMV confirms from the page, support, extension
  review, and handover until the VC accepts): the contract's need-to-know for the LMV unit.
- vc: patients listed at the person's own vårdcentral (``Principal.unit``).
- ops: every pathway, pseudonymous only: never an identity; neither decides nor acknowledges.

Patientdatalagen: access on a need-to-know basis, so listings are filtered in the read model's query
itself (a VC physician's page never fetches another unit's patients), and a patient page checks the
pathway's read-model row (its phase and listed vårdcentral) before showing anything.
"""

from __future__ import annotations

from typing import Protocol

from discharge.principal import Principal

#: The phases in which LMV takes part (joint planning: LMV confirms it; handover: LMV keeps the patient until
#: the VC accepts), as the contract's delivery to the LMV unit has them.
LMV_PHASES: tuple[str, ...] = ("joint_planning", "lmv_support", "extension_review", "handover")


def read_model_scope(principal: Principal) -> tuple[tuple[str, ...] | None, str | None]:
    """What limits a listing to the principal's patients (discharge/readmodel/listing.py): (phases, VC);
    None: no limit. The unit was checked to be an HSA-id at sign-in (workers.web.claims)."""
    if principal.role == "lmv":
        return LMV_PHASES, None
    if principal.role == "vc":
        return None, principal.unit or ""
    return None, None


class Placed(Protocol):
    """Where a pathway stands, as the rules below read it: the read model's page (discharge/readmodel/
    patient.py) or the workflow's own view (workflows/api.py ``PathwayView``) alike."""

    @property
    def phase(self) -> str: ...
    @property
    def listed_vardcentral(self) -> str | None: ...


def may_see_patient(principal: Principal, view: Placed) -> bool:
    if principal.role == "lmv":
        return view.phase in LMV_PHASES
    if principal.role == "vc":
        return principal.unit is not None and view.listed_vardcentral == principal.unit
    return True


def may_see_identity(principal: Principal) -> bool:
    return principal.role in ("coordinator", "lmv", "vc")


def may_read_free_text(principal: Principal) -> bool:
    """Reasons and notes are typed by carers and may say anything about the patient: not for ops."""
    return principal.role in ("coordinator", "lmv", "vc")


def may_decide(principal: Principal) -> bool:
    return principal.role == "coordinator"


def may_acknowledge(principal: Principal) -> bool:
    return principal.role in ("coordinator", "lmv", "vc")


def may_read_audit(principal: Principal) -> bool:
    return principal.role in ("ops", "coordinator")


def may_read_report(principal: Principal) -> bool:
    """The follow-up indicators hold no identity: coordinators and ops (planners read them as ops)."""
    return principal.role in ("ops", "coordinator")
