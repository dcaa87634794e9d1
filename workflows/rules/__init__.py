"""The pathway's rules as a plain state machine: ``(state, event, now, policy) -> commands``.

No Temporal here: the workflow feeds events and passing time in, and carries out the commands
(publish outbound events, continue as a new pathway). Deadlines live in ``state.timers`` as absolute
times computed from clinical time, so a late event is never given a fresh period.

| module | job |
|---|---|
| ``state`` | ``PathwayState``: everything the rules know |
| ``step`` | the commands (``Publish``, ``StartNewPathway``) in a ``RuleOutcome``; ``Step`` collects them |
| ``timers`` | ``Timer``: every deadline's name and what it means |
| ``dispatch`` | ``apply_event``: which rule an inbound event goes to; ``decline_opening`` |
| ``hospital`` | admission, risk assessment and discharge |
| ``care`` | LMV support, handover to the VC, physician contacts |
| ``closing`` | closing a pathway and its indicators |
| ``decisions`` | coordinators' decisions: ``validate_decision``, ``apply_decision`` |
| ``deadlines`` | passing time: ``next_deadline``, ``apply_time`` and what each deadline does |
| ``intake`` | runs before patch ``any-arrival-order``: events before their pathway held (``Intake``) |
| ``ledger`` | every accepted event kept; clinical order whatever the arrival order (``Ledger``) |
| ``refusals`` | what the ledger gives up on (``Refused``: dead letters), a derivation's fresh state |
| ``records`` | what is recorded that is not an event: a duplicate, an acknowledgement |
| ``corrections`` | the hospital's corrections: discharge cancelled or re-timed, admission in error |
| ``consult``, ``consults`` | the on-call specialist: ``OpenConsult``; consults requested, answered, overdue |
| ``calendar`` | opening hours in Europe/Stockholm: ``is_open``, ``add_working_time`` (pure, deterministic) |
| ``office_hours`` | the policy's calendars applied: who takes a concern now, when a deadline falls |
| ``concerns`` | a municipal concern: to the responsible unit when open, else to the beredskapsjour |
"""
