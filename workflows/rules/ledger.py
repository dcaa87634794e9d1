"""Any arrival order, one pathway: every accepted event is kept, and the state follows clinical order.

After a crash JetStream redelivers a patient's unacked events behind newer ones; another system's event
can come before the hospital's. So a pathway keeps every event it accepted (an `Entry`: the event, its
clinical ``time``, when it arrived) and:

- an event that is clinically the latest of all (the usual case) is applied at once, in O(1);
- an event that is clinically *earlier* than one already accepted, or the first event that can open the
  pathway, makes the state **re-derived** from every accepted event in clinical-time order (the opening
  event first), from a fresh state;
- an event that makes no sense at its clinical place (a confirmation with no joint planning) is kept, not
  dropped: a later event that is clinically earlier may give it sense (the next derivation applies it in
  its place). If none has within ``policy.early_event_hold`` of its arrival it is dead-lettered with the
  rule's reason, and so is every one still unapplied when the run ends;
- a rule that raises on an event (a bug, or a date beyond the calendar) dead-letters that event with the
  exception's name, and the state is re-derived without it: the pathway goes on.

Outbound step keys name their cause (``state.ordered``: the event, the deadline, the decision), so a
derivation gives the same keys as clinical order would have: only keys not published yet are published.
**Escalations wait**: an event whose outcome escalates has all its outbound events published only once no
event of the pathway has arrived for ``policy.late_event_grace`` (as deadline escalations always did), and
only if the latest derivation still gives them, so a late event can delay an escalation but never leaves a
false one. Other outbound events are published at once, with their clinical-order ids: one sent before a
clinically earlier event arrived keeps the contents known then; when clinical order gives it a receiver its
published data did not name, it is delivered to that receiver too (`Deliver`, in runs with
`state.clinical_deliveries`; docs/pathway.md, "Receivers as in clinical order"). A run that continues
as new with many events folds them into the state it carries (workflows/rules/folding.py).

Pure: no Temporal. The workflow feeds arrivals, decisions and the clock to a `Ledger` and carries out what
it returns (workflows/taking_in.py); tests/unit/test_rules_arrival_orders.py checks it with hypothesis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from events.inbound.envelopes import InboundEvent
from workflows.api import Decision
from workflows.policy import Policy
from workflows.rules.deadlines import apply_time, next_deadline
from workflows.rules.decisions import apply_decision, validate_decision
from workflows.rules.dispatch import apply_event
from workflows.rules.entries import Deliver, Entry, Taken, kept_across_derivation, replay_clock
from workflows.rules.folding import derivation_start, folded_state, latest_folded
from workflows.rules.intake import can_open, format_hold
from workflows.rules.refusals import NOT_APPLICABLE, RULE_FAILED, Refused, failure_reason
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish, RuleOutcome, StartNewPathway

#: Deadlines acted on in one tick at most (each of the six `Timer`s, and consults, a few times over).
MAX_DEADLINES_PER_TICK = 32


@dataclass
class Ledger:
    """Every accepted event of this run, which of them did not apply at their place, what was published."""

    entries: list[Entry] = field(default_factory=list)
    arrivals: int = 0
    unapplied: dict[int, str] = field(default_factory=dict)  # entry order → why
    published: set[str] = field(default_factory=set)  # step keys
    held: list[Publish] = field(default_factory=list)  # escalations waiting for the grace
    registry_listing: str | None = None  # the listing registry's answer, once looked up
    derivations: int = 0
    # Step key → the receivers (HSA-ids) it was delivered to: its published data's, then any `Deliver`.
    # A step published before this was kept (a run carried from an older worker) has none: left as it was.
    delivered: dict[str, list[str]] = field(default_factory=dict)
    # A folded ledger (workflows/rules/folding.py): the state a derivation starts from, and the clinical time
    # of the latest event folded into it.
    base: PathwayState | None = None
    folded_until: datetime | None = None

    def take(self, state: PathwayState, events: list[InboundEvent], now: datetime, policy: Policy) -> Taken:
        """Accept arrivals (already de-duplicated): applied at once when in place, else re-derived."""
        latest = latest_folded([e.time for e in self.entries], self.folded_until)
        new = [self._enter(e.time, now, event=e) for e in events]
        if not new:
            return Taken(state)
        new.sort(key=lambda entry: entry.place)
        opened = state.opened_by is not None
        if opened and (latest is None or new[0].time >= latest):
            return self._apply_in_place(state, new, now, policy)
        if not opened and not any(e.event is not None and can_open(e.event) for e in self.entries):
            for entry in new:  # held for the event that opens the pathway (workflows/rules/intake.py)
                self.unapplied[entry.order] = "no pathway open yet"
            return Taken(state)
        return self.derive(state, now, policy)

    def decide(self, state: PathwayState, decision: Decision, now: datetime, policy: Policy) -> Taken:
        """A coordinator's decision (validated by the caller): the latest of all, so applied in place."""
        self._enter(now, now, decision=decision)
        outcome = apply_decision(state, decision, now, policy)
        return self._taken(state, [outcome], now, policy)

    def tick(self, state: PathwayState, now: datetime, policy: Policy) -> Taken:
        """Passing time: deadlines (once settled), and the escalations that waited for the grace."""
        outcomes = [apply_time_safely(state, now, policy)]
        # A deadline that opens another (the review opens the support end) is acted on in the same tick;
        # reminders count from now, so this ends (bounded all the same: a rule's bug must not spin).
        while (
            len(outcomes) < MAX_DEADLINES_PER_TICK
            and (due := next_deadline(state)) is not None
            and due <= now
        ):
            outcomes.append(apply_time_safely(state, now, policy))
        taken = self._taken(state, outcomes, now, policy)
        if self._settled(state, now) and self.held:
            taken.publish += self._release(policy)
        return taken

    def derive(self, live: PathwayState, now: datetime, policy: Policy) -> Taken:
        """The state from every accepted event in clinical order, from a fresh one like ``live``'s start."""
        dead: list[Refused] = []
        while True:
            self.derivations += 1
            state = derivation_start(live, self.base, self.registry_listing)
            result = self._replay(state, now, policy)
            if isinstance(result, Entry):  # a rule raised: without that event, from the start again
                assert result.event is not None
                dead.append(Refused(result.event, RULE_FAILED, self.unapplied.pop(result.order)))
                self.entries.remove(result)
                continue
            break
        outcomes, restart_at = result
        folded = len(self.base.log) if self.base is not None else 0  # the base's log: in ``state`` already
        kept = [entry for entry in live.log[folded:] if kept_across_derivation(entry)]
        state.log = [*state.log[:folded], *kept, *state.log[folded:]]
        state.settle_until = now + policy.late_event_grace
        taken = self._taken(state, outcomes, now, policy, rederived=True)
        taken.dead = dead
        if restart_at is not None:
            later = [e for e in self._in_clinical_order() if e.place > restart_at.place and e.event]
            taken.rest = [e.event for e in later if e.event is not None]
            self.entries = [e for e in self.entries if e not in later]
        return taken

    def fold(self, state: PathwayState) -> None:
        """Fold every applied event and decision into ``state``, the base of later derivations (see
        workflows/rules/folding.py); events not applicable yet stay."""
        folded = [e for e in self.entries if e.order not in self.unapplied]
        if not folded:
            return
        self.folded_until = latest_folded([e.time for e in folded], self.folded_until)
        self.entries = [e for e in self.entries if e.order in self.unapplied]
        self.base = folded_state(state)
        state.log = [entry.model_copy() for entry in self.base.log]
        self.published = set()  # their causes are in the base: no derivation gives them again
        self.delivered = {}

    def expire(self, state: PathwayState, now: datetime, policy: Policy) -> list[Refused]:
        """Events kept unapplied for the whole hold in an open pathway: dead-lettered with their reason."""
        if state.opened_by is None:
            return []
        due = [
            e
            for e in self.entries
            if e.order in self.unapplied and now >= e.arrived + policy.early_event_hold
        ]
        return [self._refuse(e, f"still not applicable after {format_hold(policy)}") for e in due]

    def leftovers(self) -> list[Refused]:
        """The run is ending: every event still unapplied, with why."""
        left = [e for e in self._in_clinical_order() if e.order in self.unapplied]
        return [self._refuse(e, "not applicable when the pathway ended") for e in left]

    def drain_unopened(self) -> list[InboundEvent]:
        """No pathway opened within the hold: every event held, in arrival order, out of the ledger."""
        events = [e.event for e in sorted(self.entries, key=lambda e: e.order) if e.event is not None]
        self.entries.clear()
        self.unapplied.clear()
        return events

    def wake_at(self, state: PathwayState, policy: Policy) -> datetime | None:
        """When `expire` or the held escalations next need the clock (None: only an arrival helps)."""
        times = [e.arrived + policy.early_event_hold for e in self.entries if e.order in self.unapplied]
        if state.opened_by is None:
            times = []  # an unopened run's hold is the intake's (`no_pathway`): the workflow keeps it
        if self.held and state.settle_until is not None:
            times.append(state.settle_until)
        return min(times, default=None)

    def waiting(self) -> dict[str, str]:
        """Event id → why, for every event kept but not applied (for the worker's log)."""
        return {
            e.event.id: self.unapplied[e.order] for e in self.entries if e.order in self.unapplied and e.event
        }

    def first_arrival(self) -> datetime | None:
        return min((e.arrived for e in self.entries), default=None)

    # -- inside

    def _enter(
        self,
        time: datetime,
        now: datetime,
        event: InboundEvent | None = None,
        decision: Decision | None = None,
    ) -> Entry:
        self.arrivals += 1
        entry = Entry(time=time, arrived=now, order=self.arrivals, event=event, decision=decision)
        self.entries.append(entry)
        return entry

    def _apply_in_place(self, state: PathwayState, new: list[Entry], now: datetime, policy: Policy) -> Taken:
        outcomes: list[RuleOutcome] = []
        for index, entry in enumerate(new):
            assert entry.event is not None
            if state.phase == "closed" and any(
                isinstance(c, StartNewPathway) for o in outcomes for c in o.commands
            ):
                taken = self._taken(state, outcomes, now, policy)  # a readmission: the rest: the new run's
                taken.rest = [e.event for e in new[index:] if e.event is not None]
                self.entries = [e for e in self.entries if e not in new[index:]]
                return taken
            try:
                outcome = apply_event(state, entry.event, now, policy)
            except Exception as error:  # a rule's bug must not stop the pathway
                self.unapplied[entry.order] = failure_reason(entry.event, error)
                return self.derive(state, now, policy)  # the state may be half-changed: re-derived
            if outcome.ignored:
                self.unapplied[entry.order] = outcome.ignored
            outcomes.append(outcome)
        return self._taken(state, outcomes, now, policy)

    def _replay(
        self, state: PathwayState, now: datetime, policy: Policy
    ) -> tuple[list[RuleOutcome], Entry | None] | Entry:
        ordered = self._in_clinical_order()
        opening = next((e for e in ordered if e.event is not None and can_open(e.event)), None)
        self.unapplied = {e.order: "no pathway open yet" for e in ordered}
        if opening is None and self.base is None:
            return [], None
        if opening is not None and self.base is None:  # a base has opened the pathway already
            ordered.remove(opening)
            ordered.insert(0, opening)
        outcomes: list[RuleOutcome] = []
        clock: datetime | None = None
        for entry, arrived in zip(ordered, replay_clock(ordered, state), strict=True):
            if clock is not None and arrived > clock:
                outcomes.append(apply_time_safely(state, arrived, policy))
            clock = max(clock or arrived, arrived)
            try:
                outcome = self._apply_entry(state, entry, clock, policy)
            except Exception as error:  # see `_apply_in_place`
                assert entry.event is not None
                self.unapplied[entry.order] = failure_reason(entry.event, error)
                return entry
            if outcome.ignored and entry.event is not None:
                self.unapplied[entry.order] = outcome.ignored
            else:  # applied; or a decision the state no longer allows (a coordinator's act is not replayed)
                del self.unapplied[entry.order]
            outcomes.append(outcome)
            if any(isinstance(c, StartNewPathway) for c in outcome.commands):
                return outcomes, entry
        return outcomes, None

    @staticmethod
    def _apply_entry(state: PathwayState, entry: Entry, now: datetime, policy: Policy) -> RuleOutcome:
        if entry.event is not None:
            return apply_event(state, entry.event, now, policy)
        assert entry.decision is not None
        try:
            validate_decision(state, entry.decision)
        except ValueError as error:
            return RuleOutcome(ignored=f"decision {entry.decision.decision}: {error}")
        return apply_decision(state, entry.decision, entry.time, policy)

    def _taken(
        self,
        state: PathwayState,
        outcomes: list[RuleOutcome],
        now: datetime,
        policy: Policy,
        *,
        rederived: bool = False,
    ) -> Taken:
        taken = Taken(state)
        if rederived:  # what waited and clinical order no longer gives is dropped unpublished
            self.held = []
        settled = self._settled(state, now)
        for outcome in outcomes:
            # An outcome that escalates waits whole with its escalation: what the rules decided for lack of
            # an event (a discharge with no risk assessment yet: handover requested, escalated) may be the
            # arrival order's doing, and the grace lets the missing event come first.
            waits = not settled and any(
                isinstance(c, Publish) and c.type == "escalation_raised" for c in outcome.commands
            )
            for command in outcome.commands:
                if isinstance(command, StartNewPathway):
                    taken.restart = command
                elif command.step in self.published:
                    if state.clinical_deliveries:
                        taken.deliver += self._undelivered(command, policy)
                elif any(h.step == command.step for h in self.held):
                    continue
                elif waits:
                    self.held.append(command)
                else:
                    self._publishing(command, policy)
                    taken.publish.append(command)
        return taken

    def _release(self, policy: Policy) -> list[Publish]:
        released, self.held = self.held, []
        for command in released:
            self._publishing(command, policy)
        return released

    def _publishing(self, command: Publish, policy: Policy) -> None:
        self.published.add(command.step)
        self.delivered[command.step] = [r.hsa_id for r in command.data.receivers(policy.lmv_unit)]

    def _undelivered(self, command: Publish, policy: Policy) -> list[Deliver]:
        """A published step as clinical order gives it now: the receivers it names that it was not
        delivered to (none for a step published before `delivered` was kept)."""
        had = self.delivered.get(command.step)
        if had is None:
            return []
        missing = [r.hsa_id for r in command.data.receivers(policy.lmv_unit) if r.hsa_id not in had]
        if not missing:
            return []
        had.extend(missing)
        return [Deliver(command, missing)]

    @staticmethod
    def _settled(state: PathwayState, now: datetime) -> bool:
        return state.settle_until is None or now >= state.settle_until

    def _in_clinical_order(self) -> list[Entry]:
        return sorted(self.entries, key=lambda e: e.place)

    def _refuse(self, entry: Entry, when: str) -> Refused:
        self.entries.remove(entry)
        why = self.unapplied.pop(entry.order)
        assert entry.event is not None  # decisions are never left unapplied: they are ignored in place
        if why.startswith(RULE_FAILED):
            return Refused(entry.event, RULE_FAILED, why)
        reason = f"{when}: {why} (DISCHARGE_EARLY_EVENT_HOLD); send the events it depends on, then replay it"
        return Refused(entry.event, NOT_APPLICABLE, reason)


def apply_time_safely(state: PathwayState, now: datetime, policy: Policy) -> RuleOutcome:
    """`apply_time`; a deadline whose rule raises is already out of ``state.timers``, so the pathway goes on
    without it (the workflow logs it) instead of failing every workflow task from now on."""
    try:
        return apply_time(state, now, policy)
    except Exception as error:  # see `failure_reason`
        return RuleOutcome(
            ignored=f"a deadline's rule raised {type(error).__name__}: the deadline is dropped"
        )
