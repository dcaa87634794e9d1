"""The key ring names the people it was issued to; rotation keeps them; the CLI's `--as` is checked there."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from discharge.cli.main import build_parser
from discharge.cli.person import named_person
from discharge.cli.plumbing import UsageError
from discharge.keyring import read_ring
from discharge.settings import Settings

OPS = "SE2321000131-E000000000900"
COORDINATOR = "SE2321000131-E000000000300"


def _keys(*argv: str) -> int:
    args = build_parser("keys").parse_args(["keys", *argv])
    status: int = args.handler(args)
    return status


def test_holders_are_named_at_creation_kept_at_rotation_and_added_later(tmp_path: Path) -> None:
    ring = tmp_path / "ring.json"
    assert _keys("new", "--file", str(ring), "--holder", OPS) == 0
    first = read_ring(ring)
    assert first.holders == [OPS]
    assert _keys("new", "--file", str(ring)) == 0  # rotation
    assert read_ring(ring).holders == [OPS] and read_ring(ring).active != first.active
    assert _keys("holder", COORDINATOR, OPS, "--file", str(ring)) == 0
    assert read_ring(ring).holders == [OPS, COORDINATOR]
    assert _keys("holder", "19091231-9803", "--file", str(ring)) == 2  # not an HSA-id: refused
    assert read_ring(ring).holders == [OPS, COORDINATOR]


def test_as_must_name_a_holder_and_a_refusal_is_logged_without_what_was_typed(tmp_path: Path) -> None:
    ring = tmp_path / "ring.json"
    _keys("new", "--file", str(ring), "--holder", OPS)
    settings = Settings(discharge_payload_keys_file=ring, discharge_audit_log=tmp_path / "audit.jsonl")
    assert named_person(settings, argparse.Namespace(as_person=OPS), "view_pathway", None) == OPS
    for typed in (None, COORDINATOR, "19091231-9803"):
        with pytest.raises(UsageError):
            named_person(settings, argparse.Namespace(as_person=typed), "view_pathway", "pk_" + "a" * 32)
    text = (tmp_path / "audit.jsonl").read_text()
    assert text.count('"result":"refused"') == 3 and "19091231" not in text
