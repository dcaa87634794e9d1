"""Logs: one format per process, every line naming its component, the servers' output re-emitted."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from discharge.logging import QUIET_LIBRARY_LOGGERS, configure_logging, resolve_format, use_colors
from workers.stack.relay import relay_console, relay_nats, relay_structured, relay_temporal


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; put it back for the rest of the session."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in QUIET_LIBRARY_LOGGERS}
    yield
    for name, quiet_level in quiet.items():
        logging.getLogger(name).setLevel(quiet_level)
    structlog.reset_defaults()
    logging.captureWarnings(False)
    structlog.contextvars.clear_contextvars()
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_lines_name_their_component(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("worker", "json")
    structlog.get_logger().info("worker started", task_queue="discharge")
    (line,) = json_lines(capsys.readouterr().err)
    assert line["component"] == "worker"
    assert line["event"] == "worker started"
    assert line["level"] == "info"
    assert str(line["timestamp"]).endswith("Z")


def test_library_logs_come_out_in_the_same_format(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("gateway", "json")
    logging.getLogger("temporalio.worker").warning("poll failed")
    (line,) = json_lines(capsys.readouterr().err)
    assert (line["component"], line["event"], line["level"]) == ("gateway", "poll failed", "warning")
    assert line["logger"] == "temporalio.worker"


def test_http_clients_never_log_a_request_url(capsys: pytest.CaptureFixture[str]) -> None:
    """httpx logs each request's whole URL at INFO (the bearer keys' JWKS fetch); a query may carry a
    code or an identifier. Its warnings still come out."""
    configure_logging("http", "json")

    def keys(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"keys": []})

    with httpx.Client(transport=httpx.MockTransport(keys)) as client:
        client.get("https://idp.example/jwks?code=secret-code")
    logging.getLogger("httpx").warning("connection pool full")
    lines = json_lines(capsys.readouterr().err)
    assert [line["event"] for line in lines] == ["connection pool full"]


def test_the_level_filters_debug_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("supervisor", "json", level="warning")
    structlog.get_logger().info("routine")
    structlog.get_logger().warning("attention")
    assert [line["event"] for line in json_lines(capsys.readouterr().err)] == ["attention"]


def test_console_output_is_readable_and_names_the_component(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    configure_logging("nats", "console")
    structlog.get_logger().warning("slow consumer")
    text = capsys.readouterr().err
    assert "slow consumer" in text and "component=nats" in text
    with pytest.raises(ValueError):
        json.loads(text)


def test_json_is_the_default_when_not_on_a_terminal() -> None:
    # Under pytest stderr is captured, not a terminal, like a service's output in production.
    assert resolve_format(None) == "json"
    assert resolve_format("console") == "console"


def test_temporal_warnings_are_re_emitted_with_the_temporal_component() -> None:
    line = json.dumps({"level": "WARN", "msg": "history size exceeds warn limit", "service": "history"})
    with capture_logs() as logs:
        relay_temporal("temporal", line)
    assert logs == [
        {
            "component": "temporal",
            "event": "history size exceeds warn limit",
            "log_level": "warning",
            "service": "history",
        }
    ]


def test_temporal_start_and_stop_chatter_and_banner_go_to_debug() -> None:
    with capture_logs() as logs:
        relay_temporal("temporal", json.dumps({"level": "WARN", "msg": "network dial error"}))
        relay_temporal("temporal", json.dumps({"level": "ERROR", "msg": "x", "error": "context canceled"}))
        relay_temporal("temporal", "Temporal UI:          http://localhost:8233")
    assert [entry["log_level"] for entry in logs] == ["debug", "debug", "debug"]


def test_the_temporal_clis_own_fatal_message_is_an_error() -> None:
    with capture_logs() as logs:
        relay_temporal("temporal", "Error: can't set UI port 8233: bind: address already in use")
    assert logs[0]["log_level"] == "error" and "address already in use" in logs[0]["event"]


def test_nats_lines_are_parsed_into_levels() -> None:
    with capture_logs() as logs:
        relay_nats("nats", "[4242] 2026/11/22 22:00:00.000000 [INF] Starting nats-server")
        relay_nats("nats", "[4242] 2026/11/22 22:00:00.000000 [INF] Server is ready")
        relay_nats("nats", "[4242] 2026/11/22 22:00:00.000000 [WRN] JetStream resource limits low")
        relay_nats("nats", "[4242] 2026/11/22 22:00:00.000000 [ERR] disk full")
    assert [(entry["log_level"], entry["component"]) for entry in logs] == [
        ("debug", "nats"),
        ("info", "nats"),
        ("warning", "nats"),
        ("error", "nats"),
    ]
    assert logs[3]["event"] == "disk full"


def test_a_python_childs_own_log_lines_pass_through_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    line = '{"event": "gateway ready", "component": "gateway", "level": "info"}'
    relay_structured("gateway", line)
    relay_structured("gateway", "2026-11-22T22:00:00.000000Z [info     ] worker started component=worker")
    assert capsys.readouterr().err.splitlines() == [
        line,
        "2026-11-22T22:00:00.000000Z [info     ] worker started component=worker",
    ]


def test_a_python_childs_stray_output_is_wrapped_not_lost() -> None:
    with capture_logs() as logs:
        relay_structured("worker", "Traceback (most recent call last):")
    assert logs == [
        {"component": "worker", "event": "Traceback (most recent call last):", "log_level": "warning"}
    ]


def test_a_library_logger_with_its_own_format_keeps_its_level() -> None:
    line = "2026-11-22 22:31:32,064 \x1b[32mINFO\x1b[0m     - `OnEvent` waiting for messages"
    with capture_logs() as logs:
        relay_structured("gateway", line)
    assert logs == [{"component": "gateway", "event": "`OnEvent` waiting for messages", "log_level": "info"}]


def test_python_warnings_are_logged_in_the_same_format(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("gateway", "json")
    warnings.warn("consumer cannot scale", RuntimeWarning, stacklevel=1)
    (line,) = json_lines(capsys.readouterr().err)
    assert line["component"] == "gateway" and line["level"] == "warning"
    assert "consumer cannot scale" in str(line["event"])


def test_colours_only_on_a_terminal_or_when_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert not use_colors()  # pytest captures stderr: not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_colors()
    monkeypatch.setenv("FORCE_COLOR", "0")
    assert not use_colors()


def test_in_console_mode_a_traceback_passes_through_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["2026-11-22T22:00:00Z [error    ] worker failed", "Traceback (most recent call last):", "  x"]
    for line in lines:
        relay_console("worker", line)
    assert capsys.readouterr().err.splitlines() == lines
