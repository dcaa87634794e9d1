"""Times as coordinators read them, on a terminal or a web page: Swedish local time (Europe/Stockholm)."""

from __future__ import annotations

from datetime import datetime, timedelta

from workflows.policy import STOCKHOLM

NONE = "-"


def local(moment: datetime | None) -> str:
    """``2026-03-29 03:15`` in Stockholm time: coordinators think in local time, not UTC."""
    if moment is None:
        return NONE
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def span(delta: timedelta) -> str:
    """A rough, readable length of time: ``2 d 3 h``, ``5 h 10 min``, ``12 min``."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def due(moment: datetime | None, now: datetime) -> str:
    """When a task is due, relative to ``now``; an overdue task says so in capitals."""
    if moment is None:
        return NONE
    if moment < now:
        return f"{local(moment)} (OVERDUE by {span(now - moment)})"
    return f"{local(moment)} (in {span(moment - now)})"
