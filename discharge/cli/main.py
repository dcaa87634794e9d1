"""The `discharge` command. Each sub-command lives in its own module and registers itself here.

Only the module of the command being run is imported: importing them all (NATS and aiohttp for `publish`,
the web page, the audit log, structlog and rich...) made `pathways` and `tasks` start 0.6-0.8 s slower on
this machine, most of their time as a coordinator runs them (docs/benchmarks.md, "CLI start-up"). Help, a
missing or unknown command still see every command, registered in the same order as before, so they read
the same.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Each command and the module of discharge/cli/ that registers it, in the order `--help` lists them.
#: tests/unit/test_cli_startup.py checks this table against what the modules register.
COMMANDS: dict[str, str] = {
    "dev": "stack",
    "worker": "stack",
    "gateway": "stack",
    "codec-server": "stack",
    "publish": "publishing",
    "pathways": "listings",
    "tasks": "listings",
    "show": "coordinator",
    "decide": "coordinator",
    "demo": "demo",
    "keys": "keys",
    "readmodel": "indicators",
    "report": "indicators",
    "simulate": "indicators",
    "web": "web",
    "http": "doors",
    "hl7": "doors",
}


def command_modules(command: str | None = None) -> list[str]:
    """The module that registers ``command``; every module (in order) when it is None or unknown."""
    if command in COMMANDS:
        return [COMMANDS[command]]
    return list(dict.fromkeys(COMMANDS.values()))


def command_of(argv: Sequence[str]) -> str | None:
    """The command a command line runs, or None when it must see them all (``--help``, none, unknown).

    The top-level parser's only option is ``-h``, so a command line that runs a command starts with it.
    """
    return argv[0] if argv and argv[0] in COMMANDS else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with ``command``'s module registered, or every command's when ``command`` is None."""
    parser = argparse.ArgumentParser(
        prog="discharge",
        description=(
            "Discharge orchestrator: Region Halland's physician-at-home pathway after hospital "
            "discharge, on Temporal and NATS JetStream. Settings come from the environment "
            "(see README.md)."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in command_modules(command):
        importlib.import_module(f"discharge.cli.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(command_of(argv)).parse_args(argv)
    status = args.handler(args)
    sys.exit(status or 0)


if __name__ == "__main__":
    main()
