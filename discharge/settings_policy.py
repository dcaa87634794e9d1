"""The pathway's policy from the environment's settings: built here, outside the rules, and passed in.

The rules (``workflows/rules``) and the workflow only ever see a ``Policy``; only the worker's
``load_policy`` activity and the capacity simulation read settings to make one.
"""

from __future__ import annotations

from datetime import timedelta

from discharge.settings import Settings
from workflows.policy import Policy


def policy_from_settings(settings: Settings) -> Policy:
    """Every period from its ``DISCHARGE_*`` setting."""
    return Policy(
        support_period=settings.discharge_support_period,
        extension_review_lead=settings.discharge_extension_review_lead,
        planning_confirm_timeout=settings.discharge_planning_confirm_timeout,
        first_contact_target=settings.discharge_first_contact_target,
        handover_accept_timeout=settings.discharge_handover_accept_timeout,
        readmission_window=settings.discharge_readmission_window,
        # "Again each day"; a demo or staging environment with periods of seconds or minutes gets
        # its reminders at the pace of its support period instead, so they can be watched.
        reminder_interval=min(timedelta(days=1), settings.discharge_support_period),
        late_event_grace=settings.discharge_late_event_grace,
        early_event_hold=settings.discharge_early_event_hold,
        reorder_window=settings.discharge_reorder_window,
        consult_answer_timeout_acute=settings.discharge_consult_answer_timeout_acute,
        consult_answer_timeout_non_acute=settings.discharge_consult_answer_timeout_non_acute,
        delivery_receipt_timeout=settings.discharge_delivery_receipt_timeout or None,
        lmv_unit=settings.discharge_lmv_unit,
        history_bound=settings.discharge_history_bound,
    )
