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
| ``intake`` | events before their pathway: held, applied in clinical order, or dead-lettered (``Intake``) |
| ``corrections`` | the hospital's corrections: discharge cancelled or re-timed, admission in error |
| ``consult``, ``consults`` | the on-call specialist: ``OpenConsult``; consults requested, answered, overdue |
"""
