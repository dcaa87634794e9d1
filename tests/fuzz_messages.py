"""Malformed inbound messages, generated from a seed, each with the canary it must never be quoted with.

Every message is one way a sender (or an attacker) gets the contract wrong: random bytes, truncated or
deeply nested JSON, wrong shapes and types, a required field missing, huge fields, control characters, an
invalid personnummer, future, numeric and naive times, unknown types, a type on the wrong subject. The
value that makes it wrong carries a *canary* (a random marker, or the personnummer itself) so a test can
check that no dead-letter reason and no log line repeats what was sent.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from events.examples import PERSONNUMMER, example_event
from events.inbound.envelopes import EVENT_CLASSES, INBOUND_TYPES


@dataclass(frozen=True)
class Malformed:
    category: str
    subject: str
    body: bytes
    canaries: tuple[str, ...]  # strings that must appear in no reason and no log line


def _canary(rng: random.Random) -> str:
    return "cn" + "".join(rng.choice("qwxzjk") for _ in range(10))


def _valid(rng: random.Random, canary: str) -> dict[str, Any]:
    event_type = rng.choice(INBOUND_TYPES)
    event = example_event(event_type, event_id=f"fuzz-{canary}", time=datetime.now(UTC) - timedelta(hours=1))
    return event


def _subject(event: dict[str, Any]) -> str:
    return (
        f"events.{event['type']}"
        if isinstance(event.get("type"), str)
        else "events.hospital.patient_admitted"
    )


def _dumps(event: Any) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


Maker = Callable[[random.Random], Malformed]


def random_bytes(rng: random.Random) -> Malformed:
    c = _canary(rng)
    noise = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
    return Malformed("random_bytes", "events.hospital.patient_admitted", noise + c.encode(), (c,))


def truncated(rng: random.Random) -> Malformed:
    c = _canary(rng)
    event = _valid(rng, c)
    body = _dumps(event)
    return Malformed("truncated", _subject(event), body[: rng.randrange(1, len(body) - 1)], (c, PERSONNUMMER))


def deeply_nested(rng: random.Random) -> Malformed:
    c = _canary(rng)
    depth = rng.choice([40, 100, 500, 5_000, 20_000])
    event = _valid(rng, c)
    inner = "[" * depth + json.dumps(c) + "]" * depth
    where = rng.choice(["ext", "data", "whole"])
    if where == "whole":
        body = ("[" * depth + "]" * depth).encode()
    elif where == "ext":
        body = _dumps(event)[:-1] + f', "ext": {inner}}}'.encode()
    else:
        body = _dumps({**event, "data": "__DATA__"}).replace(b'"__DATA__"', inner.encode())
    return Malformed(f"nested_{where}", _subject(event), body, (c,))


def wrong_shape(rng: random.Random) -> Malformed:
    c = _canary(rng)
    body = rng.choice([[c], c, 17, None, True, {"event": c}, [{"type": c}]])
    return Malformed("wrong_shape", "events.hospital.patient_admitted", _dumps(body), (c,))


def wrong_type(rng: random.Random) -> Malformed:
    c = _canary(rng)
    event = _valid(rng, c)
    field = rng.choice(
        ["type", "id", "source", "specversion", "data", "time", "data.patient", "data.patient.id"]
    )
    value = rng.choice([[c], {"x": c}, 12345, 1.5, True, None])
    subject = _subject(event)
    target: dict[str, Any] = event
    *path, last = field.split(".")
    for part in path:
        target = target[part]
    target[last] = value
    return Malformed(f"wrong_type_{field}", subject, _dumps(event), (c,))


def missing_field(rng: random.Random) -> Malformed:
    c = _canary(rng)
    event = _valid(rng, c)
    subject = _subject(event)
    fields = [k for k in ("specversion", "id", "source", "type", "time", "data") if k in event]
    # Only fields the type's model requires: an optional one left out is a valid event.
    data_model = EVENT_CLASSES[event["type"]].model_fields["data"].annotation
    assert data_model is not None
    required = {name for name, info in data_model.model_fields.items() if info.is_required()}
    data_fields = [f"data.{k}" for k in event["data"] if k in required]
    field = rng.choice(fields + data_fields + ["data.patient.id"])
    target: dict[str, Any] = event
    *path, last = field.split(".")
    for part in path:
        target = target[part]
    if field == "data.episode_id" and event["type"] == "hospital.patient_deceased":
        del event["data"]["patient"]  # optional there: take away a required one instead
    else:
        del target[last]
    return Malformed(
        f"missing_{field}", subject, _dumps(event), (PERSONNUMMER,) if field != "data.patient.id" else ()
    )


def huge_field(rng: random.Random) -> Malformed:
    c = _canary(rng)
    event = _valid(rng, c)
    size = rng.choice([5_000, 70_000, 300_000])
    where = rng.choice(["id", "source", "data.patient.id", "ext"])
    blob = (c * (size // len(c) + 1))[:size]
    if where == "ext":
        event["ext"] = blob
        if size < 64 * 1024:
            event["data"]["patient"]["id"] = c  # also invalid otherwise: only the size would be fine
    elif where == "data.patient.id":
        event["data"]["patient"]["id"] = blob
    else:
        event[where] = blob
    return Malformed(f"huge_{where}", _subject(event), _dumps(event), (c,))


def control_characters(rng: random.Random) -> Malformed:
    c = _canary(rng)
    event = _valid(rng, c)
    raw = rng.random() < 0.5
    if raw:  # a raw control character inside a JSON string is not JSON
        body = _dumps(event).replace(b'"specversion"', b'"spec\x01version"', 1)
        body = body.replace(c.encode(), (c + "\x07").encode())
        return Malformed("control_raw", _subject(event), body, (c,))
    field = rng.choice(["type", "data.patient.id"])
    if field == "type":
        event["type"] = f"hospital.patient_admitted\u0000{c}"
    else:
        event["data"]["patient"]["id"] = f"19091231\u0008{c}"
    return Malformed(f"control_{field}", "events.hospital.patient_admitted", _dumps(event), (c,))


def invalid_identity(rng: random.Random) -> Malformed:
    c = _canary(rng)
    event = _valid(rng, c)
    number = rng.choice(["19091231-9804", "19090231-9803", "190912319", "19091231-0000x", "2009123198031"])
    event["data"]["patient"]["id"] = number
    return Malformed("invalid_identity", _subject(event), _dumps(event), (number, c))


def bad_time(rng: random.Random) -> Malformed:
    c = _canary(rng)
    event = _valid(rng, c)
    kind = rng.choice(["future", "numeric", "naive", "date", "garbage"])
    value: Any = {
        "future": (datetime.now(UTC) + timedelta(days=rng.randrange(1, 400))).isoformat(),
        "numeric": rng.randrange(1_000_000_000, 2_000_000_000),
        "naive": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "date": datetime.now(UTC).date().isoformat(),
        "garbage": f"yesterday {c}",
    }[kind]
    event["time"] = value
    canaries = (c,) if kind in ("garbage",) else (c, str(value)) if kind != "date" else (c,)
    return Malformed(f"time_{kind}", _subject(event), _dumps(event), canaries)


def unknown_type(rng: random.Random) -> Malformed:
    c = _canary(rng)
    event = _valid(rng, c)
    event["type"] = rng.choice([f"hospital.{c}", c, PERSONNUMMER, f"{PERSONNUMMER}.{c}"])
    return Malformed("unknown_type", "events.hospital.patient_admitted", _dumps(event), (c, PERSONNUMMER))


def wrong_subject(rng: random.Random) -> Malformed:
    c = _canary(rng)
    event = _valid(rng, c)
    other = rng.choice([t for t in INBOUND_TYPES if t != event["type"]])
    return Malformed("wrong_subject", f"events.{other}", _dumps(event), (c, PERSONNUMMER))


MAKERS: tuple[Maker, ...] = (
    random_bytes,
    truncated,
    deeply_nested,
    wrong_shape,
    wrong_type,
    missing_field,
    huge_field,
    control_characters,
    invalid_identity,
    bad_time,
    unknown_type,
    wrong_subject,
)


def malformed_messages(count: int, seed: int) -> Iterator[Malformed]:
    """``count`` malformed messages, every category in turn, each varied by the seeded generator."""
    rng = random.Random(seed)
    for n in range(count):
        yield MAKERS[n % len(MAKERS)](rng)
