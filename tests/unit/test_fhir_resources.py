"""Who manages the episode, phase by phase (docs/fhir.md's mapping), as the FHIR door names it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from workers.fhir.resources import manager_of, status_of

WARD, LMV, VC = "SE2321000131-E000000000020", "SE2321000131-E000000000200", "SE2321000131-E000000000101"
T = datetime(2026, 12, 1, tzinfo=UTC)


def row(
    phase: str, *, discharged: bool = False, support: bool = False, handed: bool = False, **more: Any
) -> dict[str, Any]:
    return {
        "phase": phase,
        "outcome": None,
        "discharged_at": T if discharged else None,
        "support_ends_at": T if support else None,
        "handed_over_at": T if handed else None,
        "hospital_unit": WARD,
        "lmv_unit": LMV,
        "listed_vardcentral": VC,
        **more,
    }


@pytest.mark.parametrize(
    ("episode", "status", "manager"),
    [
        (row("joint_planning"), "planned", WARD),
        (row("lmv_support", discharged=True, support=True), "active", LMV),
        (row("handover", discharged=True, support=True), "active", LMV),  # until the VC accepts
        (row("follow_up", discharged=True, support=True, handed=True), "active", VC),
        (row("handover", discharged=True), "active", VC),  # no LMV support: straight to the VC
        (row("closed", discharged=True, support=True, outcome="deceased"), "finished", LMV),  # as it was last
        (row("closed", outcome="new_admission"), "cancelled", WARD),
        (row("closed", outcome="entered_in_error"), "entered-in-error", WARD),
        (row("inpatient"), "planned", WARD),  # e.g. after a cancelled discharge (support withdrawn)
    ],
)
def test_status_and_manager_follow_the_pathway(episode: dict[str, Any], status: str, manager: str) -> None:
    assert (status_of(episode), manager_of(episode)) == (status, manager)
