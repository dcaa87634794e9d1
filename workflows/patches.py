"""Every patch of the pathway workflow, and the one way the workflow asks whether a patch is in force.

A 14-day pathway outlives many deployments, so each change to what the workflow does is guarded by
``workflow.patched(id)`` and the saved histories of every earlier version still replay
(tests/workflow/histories/, docs/pathway.md "Changing the workflow").

Each patch a new run asks for costs the server: the Temporal core records a marker *and* upserts the
``TemporalChangeVersion`` search attribute, a visibility write of its own. Asked one by one, the six
patches below cost a new run six markers and six visibility writes in its first workflow task. So runs
from ``LEAN_HISTORY`` on ask for that one patch at their start (``begin_run``) and take every earlier
patch as in force, which they all are for any run that starts with today's code. Runs started before
it replay exactly as they ran: ``LEAN_HISTORY`` is absent from their history, so they still ask for
each earlier patch where they always did.
"""

from __future__ import annotations

from temporalio import workflow

#: Runs started before this patch open for any first event; later ones first check the episode.
CLOSED_EPISODE = "closed-episode-opens-nothing"
#: Runs from this patch on cost about one server round trip per event (docs/benchmarks.md, "Pathways"):
#: publishing and the listing look-up run as local activities, inside the workflow task that needs them,
#: rather than as activities that take two more trips each (scheduled, polled, completed, and a new workflow
#: task); the closed-episode check asks visibility only for an opening event old enough to be a re-send;
#: and a search attribute that was never set is not "unset".
ONE_ROUND_TRIP = "one-round-trip-per-event"
#: Consults (issue 16): the discharging unit's on-call rota is looked up at the first consult.
ONCALL_ROTA = "consult-oncall-rota"
#: Runs started before this patch close at once (`not_opened`) when their first event cannot open a
#: pathway; later ones hold it for the opening event (workflows/rules/intake.py).
HOLD_EARLY_EVENTS = "hold-early-events"
#: Runs started before this patch publish no `physician_contact_recorded` and take no patient experience.
INDICATOR_EVENTS = "indicator-events"
#: Runs that took an acknowledgement of an escalation (the web page's): marked for later changes.
ACKNOWLEDGEMENTS = "escalation-acknowledgements"
#: Runs from this patch on record one patch marker (this one) instead of one per patch above, keep the
#: phase out of the memo (it is the ``DischargePhase`` search attribute already, and in the memo it made every
#: event a second visibility write), and write visibility once in their first workflow task.
LEAN_HISTORY = "lean-history"


#: Runs from this patch on keep every accepted event and follow clinical order whatever the arrival order
#: (workflows/rules/ledger.py): outbound step keys name their cause, escalations raised by events wait for
#: the late-event grace, events that cannot apply yet wait (then are dead-lettered with their reason), a
#: rule that raises dead-letters its event, reminders count from now. It is the new umbrella: a run from
#: it on records this one marker and takes `LEAN_HISTORY` and every patch before it as in force.
ANY_ARRIVAL_ORDER = "any-arrival-order"
#: Runs from this patch on record what they delivered to whom and await receipts (rules/receipts.py).
#: Asked with `workflow.patched` itself, at a run's first publish: a run started under ``LEAN_HISTORY``
#: before this patch must not take it as in force.
DELIVERY_RECEIPTS = "delivery-receipts"
#: Runs from this patch on keep their deliveries' escalations (`not_delivered`, `delivery_rejected`) and
#: applied receipts when the ledger re-derives the state (rules/receipts.py, `carried_escalations`). Asked
#: with `workflow.patched` itself, at a run's first publish, with `DELIVERY_RECEIPTS`.
RECEIPTS_REDERIVED = "receipts-rederived"
#: Runs from this patch on continue as new when their history is long (workflows/carried.py): the whole
#: state goes to the next run. Asked with `workflow.patched` only at that moment, so a run records its
#: marker only when it continues, and a history recorded before the patch replays without continuing.
BOUNDED_HISTORY = "bounded-history"
#: Runs from this patch on refuse (dead-letter, ``not_permitted``) a signal whose sender may not send it
#: (workflows/actor.py). Asked with `workflow.patched` itself, and only when a signal fails the check, so
#: a run whose signals all pass records no marker: a run started before the patch (its signals carry no
#: sender) first asks while replaying its first signal, hears "no", and keeps that answer for its life.
SIGNAL_ACTORS = "signal-actors"


def begin_run() -> bool:
    """Ask for the umbrella patches, newest first: the first thing a run does, so that a run that started
    before one answers "no" to it (its first workflow task, replayed, has no such marker) for its whole
    life. True when the run is lean (`LEAN_HISTORY` or later)."""
    return (
        workflow.patched(ONE_PATCH_MARKER)
        or workflow.patched(ANY_ARRIVAL_ORDER)
        or workflow.patched(LEAN_HISTORY)
    )


def since(patch_id: str) -> bool:
    """Whether ``patch_id``, a patch newer than `LEAN_HISTORY`, is in force: in force in every run from
    `ONE_PATCH_MARKER` on (no marker of its own), else its own marker only. ``workflow.patched`` answers
    each id once per run, so a run started before `ONE_PATCH_MARKER` keeps asking where it always did."""
    return workflow.patched(ONE_PATCH_MARKER) or workflow.patched(patch_id)


def patched(patch_id: str) -> bool:
    """Whether ``patch_id`` is in force in this run (``workflow.patched``, answered once per run)."""
    return (
        workflow.patched(ONE_PATCH_MARKER)
        or workflow.patched(ANY_ARRIVAL_ORDER)
        or workflow.patched(LEAN_HISTORY)
        or workflow.patched(patch_id)
    )


#: Runs from this patch on keep one durable timer while the next deadline does not move
#: (workflows/deadline_timer.py) instead of a new timer after every event (issue 26). Asked with
#: `workflow.patched` itself at a run's start, as `DELIVERY_RECEIPTS`: older lean runs keep their timers.
KEPT_DEADLINE_TIMER = "kept-deadline-timer"

#: Runs from this patch on give each receiver the deliveries clinical order gives it: a step published
#: before a clinically earlier event named one of its receivers (a late planning confirmation naming the LMV
#: unit) is delivered to that receiver too, with the same event id (workflows/rules/entries.py `Deliver`);
#: a receipt's `not_delivered` escalation names its delivery in its step key (two raised in different
#: ticks shared one, and the second was never published); and a derivation takes each event no later than
#: any clinically later one arrived (workflows/rules/ledger.py `replay_clock`). Asked with
#: `workflow.patched` itself at a run's first publish (runs in clinical order only), kept in
#: `PathwayState.clinical_deliveries`.
CLINICAL_DELIVERIES = "deliveries-in-clinical-order"
#: Runs from this patch on fold their ledger's applied events into the state they carry when they continue
#: as new with more than `folding.FOLD_AT` events kept (workflows/rules/folding.py): the carried payload
#: stays far below Temporal's 2 MiB. Asked with `workflow.patched` only at that moment.
FOLDED_LEDGER = "folded-ledger"
#: Runs from this patch on that are a patient's fresh run (not continued as new) take their run key from
#: the first event they take in, as a readmission's run takes its opening event's: a pathway started again
#: under the same workflow ID after an earlier one closed (or was terminated) gave its steps the earlier
#: run's keys, hence the same outbound event ids, which JetStream, the read model and every receiver drop as
#: duplicates (its `pathway_started` above all). Asked with `workflow.patched` itself, once, at a fresh run's
#: first taking-in, in clinical order only: older runs keep their empty key and their ids.
FRESH_RUN_KEY = "fresh-run-key"

#: Runs from this patch on record this one patch marker for every patch above that a run asks at its start,
#: first taking-in or first publish (`ANY_ARRIVAL_ORDER`, `KEPT_DEADLINE_TIMER`, `FRESH_RUN_KEY`,
#: `CLINICAL_DELIVERIES`, `DELIVERY_RECEIPTS`, `RECEIPTS_REDERIVED`, `SIGNAL_ACTORS` and all they include):
#: each marker also costs a `TemporalChangeVersion` search-attribute upsert, a visibility write of its own,
#: so a new pathway's first six events paid six markers and six upserts for its patches (issue 26: the
#: event path toward the floor, docs/benchmarks.md). `BOUNDED_HISTORY` and `FOLDED_LEDGER` are still asked
#: on their own, only at the moment they change something. It is the new umbrella, asked first by
#: `begin_run`; runs started before it still ask for each patch where they always did (`since`). Runs
#: from it on also publish `joint_planning_confirmed` at each party's confirmation (`planning_events`).
ONE_PATCH_MARKER = "one-patch-marker"
