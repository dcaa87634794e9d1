"""``PathwayState``: everything the rules know about one pathway run."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from workflows.api import PathwayFields, PathwayView
from workflows.names import Phase
from workflows.rules.consult import OpenConsult

SUPPORT_PHASES = ("lmv_support", "extension_review")


class PathwayState(PathwayFields):
    """What the view shows, and what only the rules need. ``patient_id`` is payload only: never in IDs,
    attributes or logs."""

    patient_id: str | None = None
    # The de-duplication key of the event that opened this run: with a counter it makes every outbound
    # step key unique across runs of the same workflow ID, yet the same when an activity is retried.
    opened_by: str | None = None
    risk_assessed_at: datetime | None = None
    lmv_decided: bool = False
    # True while the listed VC is the registry's answer: any hospital event naming one overrides it.
    listed_from_registry: bool = False
    original_support_ends_at: datetime | None = None
    handover_completed_at: datetime | None = None
    closed_at: datetime | None = None
    homecare_active: bool = False
    vc_physician_visits: int = 0
    readmitted: bool = False
    # Deadline name (a `Timer`) → when, in clinical time. Keyed by the plain name: a `Timer` is one.
    timers: dict[str, datetime] = Field(default_factory=dict)
    # No deadline is acted on before this (workflow) time: the latest event + the policy's grace.
    settle_until: datetime | None = None
    outbound_seq: int = 0
    # Corrections and consults (issue 16): the admitting unit (whose on-call rota answers consults), the
    # parties given the patient's identity (all, and since the discharge), what a cancelled discharge
    # returns to, and the consults the on-call specialist has not answered yet.
    admitting_unit: str | None = None
    # The LMV unit taking part (the one that confirmed joint planning): outbound events name it, so that
    # they are delivered to it (events/outbound/data.py); None: the region's LMV unit, for events to LMV.
    lmv_unit: str | None = None
    oncall_rota: str | None = None
    told: list[str] = Field(default_factory=list)
    told_of_discharge: list[str] = Field(default_factory=list)
    phase_before_discharge: Phase | None = None
    planning_due_before_discharge: datetime | None = None
    consults: list[OpenConsult] = Field(default_factory=list)
    # The indicators' own events (`physician_contact_recorded`, `patient_experience_recorded`): only in
    # runs started by a worker that knows them, so saved histories replay as they ran (the workflow sets
    # it from `workflow.patched`; the simulator always).
    indicator_events: bool = False
    # `joint_planning_confirmed` at each party's confirmation: runs from patch `one-patch-marker` on.
    planning_events: bool = False
    experience_scores: list[int] = Field(default_factory=list)
    # Runs from patch `any-arrival-order` (workflows/rules/ledger.py): outbound step keys name their cause
    # (the event, deadline or decision), not a counter, so re-deriving the state in clinical order gives
    # the same keys; a missed deadline reminds once, counted from now, and says how overdue it is.
    ordered: bool = False
    # What makes this run's step keys differ from an earlier run's of the same workflow ID (a readmission):
    # the key of the event that opened it by continue-as-new; empty for a patient's first run.
    run_key: str = ""
    # Whether this run awaits delivery receipts (`workflows.patches.DELIVERY_RECEIPTS`, asked at its first
    # publish; None until then).
    awaits_receipts: bool | None = None
    # Whether a re-derivation keeps the deliveries' receipts and escalations (patch `receipts-rederived`,
    # asked with `awaits_receipts`; None until then, False in runs started before it).
    receipts_rederived: bool | None = None
    # Whether each receiver gets the deliveries clinical order gives it (patch `deliveries-in-clinical-order`,
    # asked at a run's first publish; None until then, False in runs started before it): a step published
    # before a clinically earlier event named one of its receivers is delivered to it too
    # (workflows/rules/entries.py `Deliver`), and a receipt's escalation names its delivery in its step key.
    clinical_deliveries: bool | None = None

    def view(self) -> PathwayView:
        # Only the shared fields, copied: the state also holds the patient's identity, which the query
        # must never return, and a caller's view must not change with the state.
        shared = self.model_dump(include=set(PathwayFields.model_fields))
        return PathwayView(**shared, escalated=self.open_escalations)

    @property
    def open_escalations(self) -> bool:
        """Whether an escalation is still open: one a later event resolved (a receipt) no longer counts."""
        return len(self.resolved_escalations) < len(self.escalations)
