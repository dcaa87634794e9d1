"""The pathway workflow's names: its type, signal, queries and updates, phases and search attributes.

No models here (and no pydantic): the CLI's listings need only these names, and a listing is a new process
each time a coordinator runs it, so what it imports is start-up time (docs/benchmarks.md, "CLI start-up").
The models that use them are in `workflows.api`.
"""

from __future__ import annotations

from typing import Literal

from temporalio.common import SearchAttributeKey

WORKFLOW_TYPE = "PatientPathway"
SIGNAL_INBOUND_EVENT = "inbound_event"
QUERY_STATE = "state"
UPDATE_DECIDE = "decide"
UPDATE_ACKNOWLEDGE = "acknowledge_escalation"
#: The patient's identity (personnummer etc.), asked for only by those who may see it (and audited).
QUERY_IDENTITY = "identity"
#: Whether the rules would act on an inbound event now (the web page asks before it sends one).
QUERY_CHECK_EVENT = "check_event"

Phase = Literal[
    "inpatient", "joint_planning", "lmv_support", "extension_review", "handover", "follow_up", "closed"
]
PHASES: tuple[str, ...] = Phase.__args__  # type: ignore[attr-defined]
PendingTask = Literal["extension_review", "handover_acceptance"]

# The contract's custom search attributes (registered by `discharge dev`, documented for production).
SA_PHASE = SearchAttributeKey.for_keyword("DischargePhase")
SA_RISK = SearchAttributeKey.for_keyword("RiskLevel")
SA_PATIENT_KEY = SearchAttributeKey.for_keyword("PatientKey")
SA_EPISODE = SearchAttributeKey.for_keyword("EpisodeId")
SA_VARDCENTRAL = SearchAttributeKey.for_keyword("ListedVardcentral")
SA_HOME_TYPE = SearchAttributeKey.for_keyword("HomeType")
SA_SUPPORT_ENDS_AT = SearchAttributeKey.for_datetime("SupportEndsAt")
SA_PENDING_TASK = SearchAttributeKey.for_keyword("PendingTask")
SA_TASK_DUE_AT = SearchAttributeKey.for_datetime("TaskDueAt")
SA_ESCALATED = SearchAttributeKey.for_bool("Escalated")

SEARCH_ATTRIBUTES: tuple[SearchAttributeKey, ...] = (  # type: ignore[type-arg]
    SA_PHASE,
    SA_RISK,
    SA_PATIENT_KEY,
    SA_EPISODE,
    SA_VARDCENTRAL,
    SA_HOME_TYPE,
    SA_SUPPORT_ENDS_AT,
    SA_PENDING_TASK,
    SA_TASK_DUE_AT,
    SA_ESCALATED,
)
