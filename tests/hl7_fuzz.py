"""Hostile HL7 v2 messages, generated from a seed from the documented A01, each with the canaries its ACK must
never repeat (the identity among them): what a broken interface engine or an attacker might send."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

SAMPLE = (Path(__file__).parents[1] / "docs" / "hl7" / "ADT_A01.hl7").read_bytes().decode()  # \r kept
PERSONNUMMER = "190912319803"


@dataclass(frozen=True)
class Hostile:
    category: str
    body: bytes
    control_id: str | None  # MSH-10 when it is intact, for MSA-2
    canaries: tuple[str, ...]


def _canary(rng: random.Random) -> str:
    return "cn" + "".join(rng.choice("qwxzjk") for _ in range(10))


def _segments(control_id: str) -> list[str]:
    return SAMPLE.replace("HSH-A01-000123", control_id).split("\r")


def _framed_safe(text: str | bytes) -> bytes:
    """No MLLP frame characters inside a message (those are the framing's own test)."""
    raw = text.encode() if isinstance(text, str) else text
    return raw.replace(b"\x0b", b"").replace(b"\x1c", b"")


def random_bytes(rng: random.Random, n: int) -> Hostile:
    c = _canary(rng)
    noise = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
    return Hostile("random_bytes", _framed_safe(noise + c.encode()), None, (c,))


def truncated(rng: random.Random, n: int) -> Hostile:
    text = "\r".join(_segments(f"FUZZ-{n}"))
    cut = rng.randrange(len("MSH|^~\\&|") + 1, len(text))
    return Hostile("truncated", _framed_safe(text[:cut]), None, ())


def field_garbage(rng: random.Random, n: int) -> Hostile:
    c = _canary(rng)
    segments = _segments(f"FUZZ-{n}")
    index = rng.randrange(1, len(segments) - 1)  # MSH stays readable
    fields = segments[index].split("|")
    position = rng.randrange(1, max(2, len(fields)))
    junk = rng.choice(
        ["\\X0D\\", "\\Zbad\\", "^^^&&&~~~", "\\", "\\E\\\\F\\", "\u00e5\u00e4\u00f6", "\t\x00\x7f"]
    )
    while len(fields) <= position:
        fields.append("")
    fields[position] = junk + c + junk
    segments[index] = "|".join(fields)
    return Hostile("field_garbage", _framed_safe("\r".join(segments)), f"FUZZ-{n}", (c,))


def invalid_identity(rng: random.Random, n: int) -> Hostile:
    wrong = PERSONNUMMER[:-1] + str((int(PERSONNUMMER[-1]) + rng.randrange(1, 10)) % 10)
    text = "\r".join(_segments(f"FUZZ-{n}")).replace(PERSONNUMMER, wrong)
    return Hostile("invalid_identity", text.encode(), f"FUZZ-{n}", (wrong, PERSONNUMMER[:8]))


def many_repetitions(rng: random.Random, n: int) -> Hostile:
    c = _canary(rng)
    local = f"{c}^^^LOCAL&1.2.3&ISO"
    text = "\r".join(_segments(f"FUZZ-{n}")).replace(
        "4711-0815^^^COSMIC&1.2.752.97.1.1&ISO^PI", "~".join([local] * rng.choice([30, 200, 1500]))
    )
    return Hostile("many_repetitions", text.encode(), f"FUZZ-{n}", (c,))


def huge_field(rng: random.Random, n: int) -> Hostile:
    c = _canary(rng)
    text = "\r".join(_segments(f"FUZZ-{n}")).replace("Testsson^Tora", c + "x" * rng.randrange(1000, 40000))
    return Hostile("huge_field", text.encode(), f"FUZZ-{n}", (c,))


def wrong_type(rng: random.Random, n: int) -> Hostile:
    c = _canary(rng)
    kind = rng.choice(["ADT^A08", "ORU^R01", f"ADT^{c}", "", "^^^", "ADT", f"{c}^A01"])
    text = "\r".join(_segments(f"FUZZ-{n}")).replace("ADT^A01^ADT_A01", kind)
    return Hostile("wrong_type", text.encode(), f"FUZZ-{n}", (c,))


def missing_segment(rng: random.Random, n: int) -> Hostile:
    segments = _segments(f"FUZZ-{n}")
    del segments[rng.randrange(1, len(segments) - 1)]
    return Hostile("missing_segment", "\r".join(segments).encode(), f"FUZZ-{n}", ())


def bad_time(rng: random.Random, n: int) -> Hostile:
    when = rng.choice(["2026", "20261340", "99999999999999", "20261120T0800", "abc", "20991231235959", "-1"])
    text = "\r".join(_segments(f"FUZZ-{n}")).replace("20261120075500", when)
    return Hostile("bad_time", text.encode(), f"FUZZ-{n}", ())


def odd_line_ends(rng: random.Random, n: int) -> Hostile:
    separator = rng.choice(["\n", "\r\n", "\r\r\r", "\n\n", "\r\n\r\n"])
    return Hostile("odd_line_ends", separator.join(_segments(f"FUZZ-{n}")).encode(), f"FUZZ-{n}", ())


def latin1(rng: random.Random, n: int) -> Hostile:
    text = "\r".join(_segments(f"FUZZ-{n}"))
    return Hostile("latin1", text.encode("latin-1"), f"FUZZ-{n}", ())


MAKERS: tuple[Callable[[random.Random, int], Hostile], ...] = (
    random_bytes,
    truncated,
    field_garbage,
    invalid_identity,
    many_repetitions,
    huge_field,
    wrong_type,
    missing_segment,
    bad_time,
    odd_line_ends,
    latin1,
)


def hostile_messages(count: int, seed: int) -> Iterator[Hostile]:
    rng = random.Random(seed)
    for n in range(count):
        yield MAKERS[n % len(MAKERS)](rng, n)
