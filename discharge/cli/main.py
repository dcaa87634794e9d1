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
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from discharge.cli.plumbing import (
    EXIT_BROKEN_PIPE,
    EXIT_BUG,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_STATUSES,
    EXIT_USAGE,
    Parser,
    say_failure,
)
from discharge.files import OWNER_ONLY_UMASK
from discharge.settings import SettingsError, load_settings

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
    "audit": "audit",
    "delivery": "delivery",
    "streams": "delivery",
    "receive": "receive",
    "deadletters": "deadletters",
    "http": "doors",
    "hl7": "doors",
    "fhir": "doors",
    "webhooks": "webhooks",
    "policy": "policy",
    "notify": "notify",
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
    parser = Parser(
        prog="discharge",
        description=(
            "Discharge orchestrator: Region Halland's physician-at-home pathway after hospital "
            "discharge, on Temporal and NATS JetStream. Settings come from the environment "
            "(see README.md)."
        ),
        epilog=_exit_statuses(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in command_modules(command):
        importlib.import_module(f"discharge.cli.{name}").register(commands)
    return parser


def _exit_statuses() -> str:
    lines = ["A failure is one line on stderr, `discharge: <what failed>`. Exit status:"]
    return "\n".join(lines + [f"  {status:>3}  {meaning}" for status, meaning in EXIT_STATUSES])


def run(argv: Sequence[str]) -> int:
    """The command line's exit status, whatever happened: what escapes a handler is caught here, once."""
    try:
        args = build_parser(command_of(argv)).parse_args(argv)
    except SystemExit as done:  # --help, or argparse refused the command line (one line: Parser)
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    try:
        status: int = args.handler(args)
        return status or EXIT_OK
    except SystemExit as done:  # a handler that exits on its own terms keeps its status
        return done.code if isinstance(done.code, int) else EXIT_FAILED
    except KeyboardInterrupt:
        say_failure("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_BROKEN_PIPE  # the reader went away: nothing to say, and nobody to say it to
    except Exception as error:
        # The type only: an exception's message may quote input, and input may be a personnummer.
        say_failure(f"unexpected {type(error).__name__}: a bug, please report it with the command you ran")
        if _debugging():
            traceback.print_exc()
        return EXIT_BUG


def _debugging() -> bool:
    try:
        return load_settings().discharge_log_level == "debug"
    except SettingsError:
        return False


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run one command line and exit with its status.

    Given ``argv`` (tests run the CLI in-process), it raises ``SystemExit`` as usual. As the process's own
    command line (the `discharge` script, ``python -m discharge.cli.main``) it ends the process as soon as
    the command has answered: output flushed, then ``os._exit``. The Temporal client's core threads can
    abort the interpreter's finalisation after a command has printed ("PyGILState_Release", SIGABRT; 3 of
    20 `discharge tasks --json` runs, temporalio/sdk-python#300); there is nothing left to finalise once
    the command has returned, so it is skipped. Every part closes its connections, logs and traces in its
    own ``finally`` blocks before that.
    """
    os.umask(OWNER_ONLY_UMASK)  # every file a command or its children write: 0600 (discharge/files.py)
    status = run(sys.argv[1:] if argv is None else argv)
    if argv is None:
        leave(status)
    sys.exit(status)


def leave(status: int) -> NoReturn:
    """Flush stdout and stderr, then end the process with ``status`` without finalising the interpreter."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            if stream is sys.stdout and status == EXIT_OK:
                status = EXIT_BROKEN_PIPE
        except (OSError, ValueError):
            pass  # a closed or failing stream: the status still tells what happened
    os._exit(status)


if __name__ == "__main__":
    main()
