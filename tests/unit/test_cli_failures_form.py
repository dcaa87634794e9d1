"""The CLI fails one way: one line on stderr, ``discharge: <what failed>``, and one exit status per kind."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest

from discharge.cli import main as cli_main
from discharge.cli.plumbing import (
    EXIT_BROKEN_PIPE,
    EXIT_BUG,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_STATUSES,
    EXIT_USAGE,
    CommandError,
    Parser,
    command_handler,
)

PERSONNUMMER = "19091231-9803"


def _failing_with(error: BaseException) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        raise error

    return handler


@pytest.fixture
def command(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[argparse.Namespace], int]], None]:
    """Make `discharge` (a parser without sub-commands) run ``handler``."""

    def use(handler: Callable[[argparse.Namespace], int]) -> None:
        parser = Parser(prog="discharge")
        parser.set_defaults(handler=handler)
        monkeypatch.setattr(cli_main, "build_parser", lambda command=None: parser)

    return use


def test_an_unexpected_error_is_one_line_naming_its_type_never_its_message(
    command: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    command(_failing_with(ValueError(f"bad identity {PERSONNUMMER}")))
    assert cli_main.run([]) == EXIT_BUG
    err = capsys.readouterr().err
    assert err.startswith("discharge: unexpected ValueError: a bug")
    assert len(err.splitlines()) == 1 and PERSONNUMMER not in err


def test_ctrl_c_is_one_line_and_130(command: Callable[..., None], capsys: pytest.CaptureFixture[str]) -> None:
    command(_failing_with(KeyboardInterrupt()))
    assert cli_main.run([]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "discharge: interrupted\n"


def test_a_closed_pipe_ends_quietly(command: Callable[..., None], capsys: pytest.CaptureFixture[str]) -> None:
    command(_failing_with(BrokenPipeError()))
    assert cli_main.run([]) == EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""


def test_a_command_error_is_its_line_and_its_status(
    command: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    command(command_handler()(_failing_with(CommandError("no pathway for patient pk_1"))))
    assert cli_main.run([]) == EXIT_FAILED
    assert capsys.readouterr().err == "discharge: no pathway for patient pk_1\n"


def test_a_wrong_command_line_is_one_line_and_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.run(["decide", PERSONNUMMER, "handover"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == (
        "discharge: the following arguments are required: --reason, --by (see `discharge decide --help`)\n"
    )


def test_help_lists_every_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.run(["--help"]) == 0
    text = capsys.readouterr().out
    for status, meaning in EXIT_STATUSES:
        assert f"{status:>3}  {meaning}" in text
