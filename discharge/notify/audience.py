"""Whom an outbound event asks to act, as roles of the web page: the notifications' one rule. Pure.

Only events that put something new in a person's inbox notify: an escalation (to the party it names), a
coordinator's review, a handover for the vårdcentral to accept, joint planning for LMV and the vårdcentral
to confirm. A vårdcentral physician hears only of their own unit's listed patients (``unit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Audience:
    role: str  # a web role: coordinator, lmv, vc
    unit: str | None = None  # for ``vc``: only the physicians of this vårdcentral


def _vc(data: Mapping[str, Any]) -> list[Audience]:
    unit = data.get("listed_vardcentral")
    return [Audience("vc", unit)] if isinstance(unit, str) else []


def audience(document: Mapping[str, Any]) -> list[Audience]:
    """The roles (and unit) an outbound CloudEvent needs, or none."""
    data = document.get("data")
    if not isinstance(data, Mapping):
        return []
    match document.get("type"):
        case "discharge.escalation_raised":
            to = data.get("to")
            if to == "coordinator":
                return [Audience("coordinator")]
            if to == "lmv":
                return [Audience("lmv")]
            if to == "vardcentral":
                return _vc(data)
            return []  # an on-call unit: reached by its own delivery, not by the page
        case "discharge.extension_review_requested":
            return [Audience("coordinator")]
        case "discharge.handover_requested":
            return _vc(data)
        case "discharge.joint_planning_requested":
            return [Audience("lmv"), *_vc(data)]
    return []
