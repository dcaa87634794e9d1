"""One parsed policy object per distinct policy in a worker process, shared by the pathways that hold it.

Each run reads its policy from its history (the `load_policy` local activity's result, or the state carried
into a continued run), so each cached pathway used to keep a parsed copy of its own: about 12 KB, most of it
the units' calendars and the region's closed days (issue 26, "Memory" in docs/benchmarks.md). Nearly every
pathway holds the same policy (one per version the region has run), so the worker keeps one object per
distinct policy and hands that to every run that read an equal one.

Safe for the workflow's determinism: `Policy` is frozen and no rule changes it, the shared object is equal
to what the run read field by field (its serialised form is the key), and sharing records nothing in the
history. Bounded: beyond `MAX_SHARED` distinct policies (tests build many), a run keeps its own copy.
"""

from __future__ import annotations

from workflows.policy import Policy

#: Distinct policies shared at most; a region has a handful of versions in force at once.
MAX_SHARED = 32

_shared: dict[str, Policy] = {}


def shared_policy(policy: Policy) -> Policy:
    """The worker's one object equal to ``policy`` (``policy`` itself the first time it is seen)."""
    key = policy.model_dump_json()
    found = _shared.get(key)
    if found is not None:
        return found
    if len(_shared) < MAX_SHARED:
        _shared[key] = policy
    return policy
