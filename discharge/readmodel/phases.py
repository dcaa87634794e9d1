"""The phases' order, for the read model's one projection of where a pathway stands now (care.py).

The phases in the order a pathway goes through them. The outbound stream is in the workflow's publishing
order, which is not always the clinical order: an outcome held for the late-event grace (a discharge that
escalates) is published after a deadline's outcome that came later (its extension review). So a step moves
the phase forward only; the two steps that go back (an extension granted, a discharge cancelled) say so
themselves (discharge/readmodel/care.py).
"""

from __future__ import annotations

RANK = {
    "inpatient": 0,
    "joint_planning": 1,
    "lmv_support": 2,
    "extension_review": 3,
    "handover": 4,
    "follow_up": 5,
    "closed": 6,
}
