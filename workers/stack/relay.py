"""Turning a child process's output lines into the stack's own log format.

The Temporal dev server writes JSON lines (``--log-format json``) plus a plain banner; nats-server
writes ``[pid] date time [LVL] message``. Both are re-emitted as structlog events with the child's
``component``, so `discharge dev` prints one format. Their routine chatter goes to debug: an operator
sees warnings and errors, not the servers' start-up banners.
The worker and the gateway already log in our format (they inherit it through the environment),
so their lines pass through unchanged.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any

import structlog

#: Relays one line (without its newline) of a child called ``component``.
Relay = Callable[[str, str], None]

_LEVELS = {
    "debug": "debug",
    "info": "info",
    "warn": "warning",
    "warning": "warning",
    "error": "error",
    "critical": "critical",
}
_NATS_LEVELS = {
    "DBG": "debug",
    "TRC": "debug",
    "INF": "debug",
    "WRN": "warning",
    "ERR": "error",
    "FTL": "critical",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A library logger with its own handler (FastStream's: "%(asctime)s %(levelname)8s - %(message)s").
_STDLIB_LINE = re.compile(
    r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\s+"
    r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+- (?P<message>.*)$"
)
_NATS_LINE = re.compile(r"^\[\d+\] \S+ \S+ \[(?P<level>[A-Z]{3})\] (?P<message>.*)$")

# The dev server's own internal clients dial its frontend before it listens and lose their polls
# when it stops ("context canceled"): expected on every start and stop, not an operator's concern.
_TEMPORAL_NOISE = ("network dial error", "Failed to poll for task", "context canceled")
# Fields of a Temporal log line worth keeping; the rest (stack traces, internal ids) is noise here.
_TEMPORAL_FIELDS = ("service", "error", "namespace", "address", "component")


def _emit(component: str, level: str, message: str, **fields: Any) -> None:
    log = structlog.get_logger().bind(component=component)
    getattr(log, level)(message, **fields)


def relay_temporal(component: str, line: str) -> None:
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        text = line.strip()
        if text:
            # The CLI's own fatal message (e.g. "Error: can't set UI port ...: address already in use")
            # is plain text, not a log record; it is why the server is about to exit.
            _emit(component, "error" if text.startswith("Error:") else "debug", text)
        return
    message = str(record.get("msg", ""))
    level = _LEVELS.get(str(record.get("level", "info")).lower(), "error")
    if any(noise in f"{message} {record.get('error', '')}" for noise in _TEMPORAL_NOISE):
        level = "debug"
    fields = {key: record[key] for key in _TEMPORAL_FIELDS if key in record}
    _emit(component, level, message, **fields)


def relay_nats(component: str, line: str) -> None:
    match = _NATS_LINE.match(line)
    if match is None:
        if line.strip():
            _emit(component, "debug", line.strip())
        return
    message = match["message"]
    level = _NATS_LEVELS.get(match["level"], "error")
    if message == "Server is ready":
        level = "info"
    _emit(component, level, message)


def relay_structured(component: str, line: str) -> None:
    """A Python child of ours logging JSON lines: its lines pass through; anything else (a traceback
    before logging was configured, a stray print) is wrapped, so every line stays one JSON object."""
    _relay_python(component, line, wrap_strays=True)


def relay_console(component: str, line: str) -> None:
    """A Python child of ours logging for a human: a console log event may continue over several
    lines (an exception's traceback), so lines pass through as they are."""
    _relay_python(component, line, wrap_strays=False)


def _relay_python(component: str, line: str, *, wrap_strays: bool) -> None:
    text = line.rstrip()
    if not text:
        return
    if text.startswith("{"):
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            print(text, file=sys.stderr, flush=True)
            return
    if _looks_like_console_line(text):
        print(text, file=sys.stderr, flush=True)
        return
    plain = _ANSI.sub("", text)
    library = _STDLIB_LINE.match(plain)
    if library is not None:
        _emit(component, _LEVELS.get(library["level"].lower(), "warning"), library["message"])
        return
    if wrap_strays:
        _emit(component, "warning", text)
    else:
        print(text, file=sys.stderr, flush=True)


def _looks_like_console_line(text: str) -> bool:
    # structlog's ConsoleRenderer starts with the ISO timestamp (TimeStamper(fmt="iso")).
    return bool(re.match(r"^(\x1b\[[0-9;]*m)?\d{4}-\d{2}-\d{2}T", text))
