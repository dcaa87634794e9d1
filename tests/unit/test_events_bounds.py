"""Size and depth are bounded on the bytes, before any parser: no recursion, no value echoed."""

from __future__ import annotations

import json
import time

import pytest

from events.bounds import MAX_EVENT_BYTES, MAX_EVENT_DEPTH, OutOfBounds, check_bounds, nesting_depth
from events.examples import example_event


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('{"a": "[[[[{{{{"}', 1),  # brackets inside a string do not count
        ('{"a": "\\"[[[["}', 1),  # nor after an escaped quote
        ('{"a": "\\\\", "b": [[]]}', 3),  # an escaped backslash ends before the quote
    ],
)
def test_nesting_depth_counts_structure_outside_strings(text: str, depth: int) -> None:
    assert nesting_depth(text.encode()) == depth


def test_every_contract_example_is_within_bounds() -> None:
    check_bounds(json.dumps(example_event("municipality.concern_raised")).encode())


def test_deep_nesting_is_refused_without_recursion_and_quickly() -> None:
    deep = b"[" * 1_000_000 + b"]" * 1_000_000
    started = time.perf_counter()
    with pytest.raises(OutOfBounds, match=f"more than {MAX_EVENT_DEPTH} levels deep"):
        check_bounds(deep, max_bytes=len(deep))
    assert time.perf_counter() - started < 1.0


def test_a_deep_extension_attribute_is_refused() -> None:
    event = example_event("hospital.patient_admitted")
    event["ext"] = json.loads("[" * 500 + "]" * 500)
    with pytest.raises(OutOfBounds):
        check_bounds(json.dumps(event).encode())


def test_a_huge_message_is_refused_naming_the_bound_not_the_content() -> None:
    event = example_event("hospital.patient_admitted")
    event["data"]["episode_id"] = "19091231-9803" * 10_000
    with pytest.raises(OutOfBounds) as caught:
        check_bounds(json.dumps(event).encode())
    assert str(MAX_EVENT_BYTES) in caught.value.reason and "9803" not in caught.value.reason


def test_brackets_in_strings_beyond_the_depth_bound_are_counted_exactly_and_allowed() -> None:
    # More openers than the bound (so the exact scan runs), all inside a string: shallow, accepted.
    shallow = json.dumps({"note": "{[" * MAX_EVENT_DEPTH}).encode()
    check_bounds(shallow)
    deep = b"[" * (MAX_EVENT_DEPTH + 1) + b"]" * (MAX_EVENT_DEPTH + 1)
    with pytest.raises(OutOfBounds):
        check_bounds(deep)
    check_bounds(b"[" * MAX_EVENT_DEPTH + b"]" * MAX_EVENT_DEPTH)  # at the bound: no scan needed, accepted
