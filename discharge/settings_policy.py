"""The pathway's policy from the region's policy file and the environment's settings: built here, outside
the rules, and passed in.

The rules (``workflows/rules``) and the workflow only ever see a ``Policy``; only the worker's
``load_policy`` activity and the capacity simulation read settings to make one. The file
(``DISCHARGE_POLICY_FILE``, else Region Halland's) gives the region's rules; a ``DISCHARGE_*`` duration
set in the environment overrides the file's (a demo's or a staging environment's short periods), in
calendar time; the operational settings (grace, hold, receipts) are the environment's alone.
"""

from __future__ import annotations

from datetime import date, datetime

import structlog

from discharge.policy.build import DEADLINE_OF_SETTING, workflow_policy, years_around
from discharge.policy.loading import PolicyFileError, read_policy
from discharge.settings import POLICY_DURATION_SETTINGS, Settings
from workflows.policy import STOCKHOLM, Policy

log = structlog.get_logger()


def policy_from_settings(settings: Settings, today: date | None = None) -> Policy:
    """The file's policy (closed days for the years around ``today``), with what the environment sets."""
    file = read_policy(settings.discharge_policy_file)
    overridden = {
        field: getattr(settings, name)
        for name, field in POLICY_DURATION_SETTINGS.items()
        if name in settings.model_fields_set
    }
    calendar_time = frozenset(str(DEADLINE_OF_SETTING[f]) for f in overridden if f in DEADLINE_OF_SETTING)
    return workflow_policy(
        file,
        years_around(today or datetime.now(STOCKHOLM).date()),
        calendar_time=calendar_time,
        **overridden,
        late_event_grace=settings.discharge_late_event_grace,
        early_event_hold=settings.discharge_early_event_hold,
        reorder_window=settings.discharge_reorder_window,
        delivery_receipt_timeout=settings.discharge_delivery_receipt_timeout or None,
        lmv_unit=settings.discharge_lmv_unit,
        primarycare_oncall_unit=settings.discharge_primarycare_oncall_unit,
        history_bound=settings.discharge_history_bound,
    )


class CurrentPolicy:
    """The policy as the file is now: read again only when the file or the day changes (a pathway's start
    costs a stat, not a parse and a holiday calendar)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._stamp: tuple[object, ...] | None = None
        self._policy = self.now()

    def now(self) -> Policy:
        path = self._settings.discharge_policy_file
        stat = path.stat() if path is not None else None
        stamp = (
            (stat.st_mtime_ns, stat.st_size, stat.st_ino) if stat else None,
            datetime.now(STOCKHOLM).date(),
        )
        if stamp == self._stamp:
            return self._policy
        try:
            self._policy = policy_from_settings(self._settings, stamp[1])
        except PolicyFileError as error:
            if self._stamp is None:
                raise  # at the worker's start: it stops, naming the line
            # Changed into a wrong file while running: new pathways keep the last valid version.
            log.error("policy file invalid: the previous version stays in force", problems=str(error))
        self._stamp = stamp
        return self._policy
