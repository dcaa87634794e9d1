"""Structured logs: JSON lines in production (or when not on a terminal), readable console otherwise.

Every line names its ``component`` (``supervisor``, ``worker``, ``gateway``, ``temporal``, ``nats``,
``cli``), so the embedded stack's interleaved output still says where each line came from. Context
such as ``patient_key``, ``episode_id``, ``event_id`` and ``workflow_id`` is bound, never a
personnummer or a name.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Literal

import structlog

from discharge.core_logs import route_core_logs

LogFormat = Literal["console", "json"]
#: Libraries whose INFO lines say too much (a request's whole URL): kept to warnings and above.
QUIET_LIBRARY_LOGGERS = ("httpx", "httpcore")


def resolve_format(configured: LogFormat | None) -> LogFormat:
    if configured:
        return configured
    return "console" if sys.stderr.isatty() else "json"


def use_colors() -> bool:
    """Colours on a terminal; also for `discharge dev`'s children, whose output reaches the terminal
    through the supervisor (it sets the common ``FORCE_COLOR`` convention for them)."""
    return sys.stderr.isatty() or os.environ.get("FORCE_COLOR", "") not in ("", "0")


def configure_logging(component: str, fmt: LogFormat | None = None, level: str = "info") -> None:
    renderer: structlog.typing.Processor
    if resolve_format(fmt) == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=use_colors())

    def name_component(
        _: object, __: str, event_dict: structlog.typing.EventDict
    ) -> structlog.typing.EventDict:
        # Context variables do not reach other threads (the Temporal core forwards its lines from one).
        event_dict.setdefault("component", component)
        return event_dict

    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        name_component,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    numeric = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(component=component)
    # Libraries (temporalio, faststream, nats) log through the standard library: same format.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(numeric, logging.INFO))
    # httpx logs every request's full URL at INFO (the IdP's JWKS fetch, the web page's calls): a URL may
    # carry a query with a code or an identifier. Their warnings and errors still come through.
    for chatty in QUIET_LIBRARY_LOGGERS:
        logging.getLogger(chatty).setLevel(max(numeric, logging.WARNING))
    # Python's warnings (deprecations, a library's RuntimeWarning) too, instead of bare stderr text.
    logging.captureWarnings(True)
    # The Temporal SDK's Rust core would otherwise write plain, coloured lines of its own.
    route_core_logs()
