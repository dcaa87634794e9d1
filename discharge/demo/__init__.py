"""Demo patients: realistic pathways a newcomer sees the moment the stack is up.

The demo publishes CloudEvents on ``events.<type>`` exactly as a hospital, LMV, a VC, a municipality
or a coordinator would. Their clinical times lie in the past relative to now, so the pathways (which
compute every deadline from clinical time) are at once in interesting states with the default
durations: an extension review due, an extension recorded, an overdue handover, an escalation ...

`patients.py` holds the patients' scripts (data), `loader.py` publishes them and paces the rounds.
"""

from discharge.demo.cast import PATIENTS
from discharge.demo.loader import (
    BLIND_PAUSE,
    WAVE_WAIT_LIMIT,
    Round,
    anchor_time,
    consumers_caught_up,
    demo_command,
    demo_events,
    demo_pathways_exist,
    demo_rounds,
    load_demo,
    publish_demo,
    wait_for_open_reviews,
)
from discharge.demo.patients import DemoPatient, Step, personnummer

__all__ = [
    "BLIND_PAUSE",
    "PATIENTS",
    "WAVE_WAIT_LIMIT",
    "DemoPatient",
    "Round",
    "Step",
    "anchor_time",
    "consumers_caught_up",
    "demo_command",
    "demo_events",
    "demo_pathways_exist",
    "demo_rounds",
    "load_demo",
    "personnummer",
    "publish_demo",
    "wait_for_open_reviews",
]
