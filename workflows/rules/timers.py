"""Every deadline the rules keep in ``state.timers``: its name and what it means.

The name is what the log says ("deadline review passed") and the key in ``state.timers``; the
summary is what ops read on the workflow's timer in the UI. What each one does when it passes is in
``deadlines.py``.
"""

from __future__ import annotations

from enum import StrEnum


class Timer(StrEnum):
    PLANNING = "planning"
    FIRST_CONTACT = "first_contact"
    REVIEW = "review"
    SUPPORT_END = "support_end"
    HANDOVER_ACCEPT = "handover_accept"
    WINDOW_END = "window_end"

    @property
    def summary(self) -> str:
        return SUMMARIES[self]


SUMMARIES: dict[Timer, str] = {
    Timer.PLANNING: "joint planning must be confirmed by LMV and the VC",
    Timer.FIRST_CONTACT: "first LMV physician contact due",
    Timer.REVIEW: "extension review opens",
    Timer.SUPPORT_END: "LMV support period ends (extension decision due)",
    Timer.HANDOVER_ACCEPT: "the VC must accept the handover",
    Timer.WINDOW_END: "readmission window ends: pathway closes",
}
