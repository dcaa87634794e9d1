"""The workflow's ``Policy`` from a policy file, the settings that override it, and the years it must span.

The closed days are computed here (the ``holidays`` library is not workflow code) for the years around
the run's start and carried in the ``Policy`` as dates: the workflow's arithmetic stays a pure function of
the policy it recorded at its start, whatever library version a later worker has.
"""

from __future__ import annotations

from datetime import date, timedelta

from discharge.policy.file import PolicyFile
from discharge.policy.holiday_dates import closed_days
from workflows.policy import Policy, UnitKind
from workflows.rules.timers import Timer


def years_around(today: date) -> range:
    """Last year (late events) to two years ahead: a pathway's deadlines, extensions and readmission
    window all fall within them; a readmission opens a new run, which loads its own."""
    return range(today.year - 1, today.year + 3)


def workflow_policy(
    file: PolicyFile,
    years: range,
    *,
    calendar_time: frozenset[str] = frozenset(),
    **overrides: object,
) -> Policy:
    """The rules' ``Policy``: the file's durations, calendars and units, then ``overrides`` (settings set in
    the environment). A deadline named in ``calendar_time`` counts in calendar time whatever the file says
    (its duration was overridden by a setting, which is calendar time: a demo's PT30S is thirty seconds)."""
    d = file.durations
    working: dict[str, UnitKind] = {
        str(timer): kind for timer, kind in file.working_time.items() if str(timer) not in calendar_time
    }
    fields: dict[str, object] = {
        "version": file.version,
        "support_period": d.support_period,
        "extension_review_lead": d.extension_review_lead,
        "planning_confirm_timeout": d.planning_confirm_timeout,
        "first_contact_target": d.first_contact_target,
        "handover_accept_timeout": d.handover_accept_timeout,
        "readmission_window": d.readmission_window,
        "consult_answer_timeout_acute": d.consult_answer_timeout_acute,
        "consult_answer_timeout_non_acute": d.consult_answer_timeout_non_acute,
        "calendars": {kind: calendar.unit_calendar() for kind, calendar in file.calendars.items()},
        "closed_days": closed_days(years, file.holidays.eves),
        "working_time": working,
        "lmv_unit": file.units.lmv,
        "primarycare_oncall_unit": file.units.primarycare_oncall,
    }
    fields.update({name: value for name, value in overrides.items() if value is not None})
    support = fields["support_period"]
    assert isinstance(support, timedelta)
    # "Again each day"; a demo with a support period of minutes gets its reminders at that pace.
    fields.setdefault("reminder_interval", min(timedelta(days=1), support))
    return Policy.model_validate(fields)


#: Which deadline each duration setting sets (a setting in the environment makes it calendar time).
DEADLINE_OF_SETTING: dict[str, Timer] = {
    "handover_accept_timeout": Timer.HANDOVER_ACCEPT,
    "planning_confirm_timeout": Timer.PLANNING,
    "first_contact_target": Timer.FIRST_CONTACT,
}
