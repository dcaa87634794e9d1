"""The README stays true: its first event is valid, its settings are the real ones, its commands exist."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from discharge.cli.main import build_parser
from discharge.settings import Settings
from events.inbound.envelopes import PatientAdmitted
from events.inbound.parsing import parse_inbound
from workers.doors.settings import DoorSettings
from workers.fhir.settings import FhirSettings
from workers.stack.servers import search_attribute_create_command
from workers.webhooks.settings import WebhookSettings

README = (Path(__file__).parents[2] / "README.md").read_text()


def readme_first_event() -> str:
    """The heredoc of "Send a first event"."""
    return README.split("discharge publish <<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0]


def test_the_first_event_in_the_readme_is_valid() -> None:
    event = parse_inbound(readme_first_event(), now=datetime.now(UTC), future_tolerance=timedelta(minutes=5))
    assert isinstance(event, PatientAdmitted)
    assert event.data.patient.id.startswith("1909")  # synthetic: born before 1910


def test_every_setting_is_documented_and_every_documented_variable_exists() -> None:
    documented = set(re.findall(r"\b((?:TEMPORAL|NATS|DISCHARGE|OTEL)_[A-Z0-9_]+)\b", README))
    fields = (
        *Settings.model_fields,
        *DoorSettings.model_fields,
        *FhirSettings.model_fields,
        *WebhookSettings.model_fields,
    )
    real = {name.upper() for name in fields}
    assert documented == real


def test_the_production_search_attribute_command_is_the_generated_one() -> None:
    assert search_attribute_create_command() in README.replace(" \\\n  ", " ")


def test_every_command_the_readme_names_exists() -> None:
    named = set(re.findall(r"^discharge ([a-z][a-z0-9-]*)", README, flags=re.MULTILINE))
    named |= set(re.findall(r"`discharge ([a-z][a-z0-9-]*)", README))
    subcommands = next(
        action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)
    )
    assert named and named <= set(subcommands.choices)


def test_every_file_the_readme_links_exists() -> None:
    root = Path(__file__).parents[2]
    linked = re.findall(r"\]\(((?!https?://)[^)#]+)\)", README)
    assert linked
    for path in linked:
        assert (root / path).exists(), path
