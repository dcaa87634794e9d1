"""`discharge pathways` / `tasks` start fast: the listing imports only what it uses (issue 17).

A coordinator's listing is mostly Python start-up (docs/benchmarks.md, "CLI start-up"), so `cli.main`
imports only the running command's module. These tests fail when a heavy import creeps back onto the
listing's path, when the command table and the modules disagree, or when help stops reading as before.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from discharge.cli.main import COMMANDS, build_parser, command_modules, command_of
from discharge.keyring import new_ring, write_ring

#: What other commands need and a listing does not: NATS and aiohttp (`publish`, `dev`), structlog and
#: rich (logging of the long-running parts), the audit log and `show`/`decide` (coordinator.py), the web
#: page, the pathway's models and every inbound event model (`workflows.api`: a listing needs only
#: `workflows.names`). Each cost tens to hundreds of ms of start-up when `cli.main` imported every command.
NOT_FOR_A_LISTING = (
    "nats",
    "aiohttp",
    "structlog",
    "rich",
    "discharge.audit",
    "discharge.logging",
    "discharge.nats_connection",
    "discharge.cli.coordinator",
    "discharge.cli.publishing",
    "discharge.cli.stack",
    "discharge.cli.web",
    "discharge.cli.indicators",
    "workflows.api",
    "events.inbound",
)

# Runs the real `main` to the end (a refused connection), then reports which of the modules were loaded.
# It leaves with os._exit: after a refused connection the Temporal SDK's core thread sometimes aborts the
# finalizing interpreter ("PyGILState_Release", exit 134; temporalio/sdk-python#300), before or after
# this change alike, and that is not what this test is about.
_RUN_AND_REPORT = """
import json, os, sys
unwanted = json.loads(sys.argv[1])
from discharge.cli.main import main
try:
    main(sys.argv[2:])
except SystemExit as exit:
    print(json.dumps([name for name in unwanted if name in sys.modules]), flush=True)
    sys.stderr.flush()
    os._exit(exit.code if isinstance(exit.code, int) else 1)
"""


@pytest.mark.parametrize("command", ["pathways", "tasks"])
def test_a_listing_run_by_a_user_imports_nothing_it_does_not_use(command: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    write_ring(keys, new_ring())
    env = {
        "PATH": "/usr/bin:/bin",
        "TEMPORAL_ADDRESS": "127.0.0.1:1",  # nothing listens: the command fails after its imports
        "DISCHARGE_PAYLOAD_KEYS_FILE": str(keys),
        "DISCHARGE_DATA_DIR": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-c", _RUN_AND_REPORT, json.dumps(NOT_FOR_A_LISTING), command, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "cannot reach Temporal at 127.0.0.1:1" in done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def _registered(modules: list[str]) -> list[str]:
    commands = argparse.ArgumentParser().add_subparsers()
    for name in modules:
        __import__(f"discharge.cli.{name}", fromlist=["register"]).register(commands)
    return list(commands.choices)


def test_the_command_table_names_what_each_module_registers_in_the_order_of_help() -> None:
    for module in command_modules():
        assert _registered([module]) == [name for name, owner in COMMANDS.items() if owner == module]
    assert _registered(command_modules()) == list(COMMANDS)


def test_the_command_is_the_first_word_and_anything_else_sees_every_command() -> None:
    assert command_of(["pathways", "--json"]) == "pathways"
    assert command_of(["keys", "new", "--file", "x"]) == "keys"
    for argv in ([], ["--help"], ["-h", "pathways"], ["bogus"], ["", "pathways"]):
        assert command_of(argv) is None
        assert command_modules(command_of(argv)) == list(dict.fromkeys(COMMANDS.values()))


def _subcommand_help(parser: argparse.ArgumentParser, command: str) -> str:
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = subparsers.choices[command].format_help()
    # `pathways --help` shows UI queries relative to now; the second may tick between the two parsers.
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", text)


def test_each_command_reads_the_same_whether_registered_alone_or_with_all() -> None:
    everything = build_parser()
    for command in COMMANDS:
        assert _subcommand_help(build_parser(command), command) == _subcommand_help(everything, command)
