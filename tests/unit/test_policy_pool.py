"""The worker keeps one parsed policy per distinct policy, shared by the pathways that read an equal one."""

from __future__ import annotations

import tracemalloc
from datetime import timedelta

from discharge.settings import Settings
from discharge.settings_policy import policy_from_settings
from workflows import policy_pool
from workflows.policy import Policy
from workflows.policy_pool import shared_policy

REGION = policy_from_settings(Settings()).model_dump_json()


def region_policy() -> Policy:
    """The region's policy as a run reads it from its history: parsed anew each time."""
    return Policy.model_validate_json(REGION)


def test_runs_that_read_an_equal_policy_share_one_object() -> None:
    first, second = region_policy(), region_policy()
    assert first is not second and first == second
    assert shared_policy(first) is shared_policy(second)
    assert shared_policy(second) == second  # the same values: the run decides as with its own copy


def test_a_different_policy_is_not_shared_with_another() -> None:
    region = shared_policy(region_policy())
    longer = region.model_copy(update={"support_period": timedelta(days=21)})
    assert shared_policy(longer) is longer and shared_policy(longer) is not region
    assert shared_policy(longer).support_period == timedelta(days=21)


def test_at_most_max_shared_policies_are_kept() -> None:
    base = region_policy()
    many = [base.model_copy(update={"history_bound": 10_000 + n}) for n in range(policy_pool.MAX_SHARED * 2)]
    for policy in many:
        assert shared_policy(policy) == policy
    assert len(policy_pool._shared) <= policy_pool.MAX_SHARED


def test_fifty_runs_hold_one_policy_not_fifty() -> None:
    """What it saves: each run's own parsed copy was ~12 KB (issue 26, docs/benchmarks.md "Memory")."""
    shared_policy(region_policy())
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        own = [region_policy() for _ in range(50)]
        own_bytes = tracemalloc.get_traced_memory()[0] - before
        del own
        before = tracemalloc.get_traced_memory()[0]
        kept = [shared_policy(region_policy()) for _ in range(50)]
        shared_bytes = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len({id(policy) for policy in kept}) == 1
    assert own_bytes > 50 * 4_000  # each copy holds its calendars and closed days
    assert shared_bytes < own_bytes / 20
