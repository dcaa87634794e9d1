"""The system's own parts as children of `discharge dev`: how each is started and when it counts as ready.

The worker, the gateway, the codec server and the web page run as `python -m discharge.cli.main <part>` with
the same interpreter and venv, their settings through the environment and in the supervisor's log format;
each is ready once it really serves (the worker polls its task queue, the gateway's consumer is active, the
codec server and the web page answer `/healthz`, the doors `/readyz`), not once it has started.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio.client import Client

from discharge.logging import resolve_format, use_colors
from discharge.settings import Settings, format_iso_duration, settings_env
from events.streams import OUTBOUND_STREAM
from workers.gateway.consumer import DEFAULT_ACK_WAIT
from workers.stack import doors as doors_part, health, web as web_part
from workers.stack.children import Child, ChildSpec
from workers.stack.relay import relay_console, relay_structured

#: `DISCHARGE_LATE_EVENT_GRACE` of the embedded stack's worker unless set (production's default is PT1M).
#: Above the gateway's ack wait: an event a killed gateway held comes back only after it, and a grace
#: shorter than that let deadlines act without it (false escalations, docs/benchmarks.md "Two of each").
DEV_LATE_EVENT_GRACE = DEFAULT_ACK_WAIT + timedelta(seconds=10)
#: The parts of the system that run as Python child processes, in start order.
APP_PARTS: tuple[str, ...] = (
    "worker",
    "gateway",
    "codec-server",
    "readmodel",
    "delivery",
    "web",
    *doors_part.DOOR_PARTS,
)


#: Content-free e-mail (`discharge notify`): started by `discharge dev` only when DISCHARGE_SMTP_URL is set.
NOTIFY_PART = "notify"


def dev_parts(settings: Settings) -> tuple[str, ...]:
    """The parts `discharge dev` starts: every app part, the notifier when there is a mail server, and
    `discharge webhooks` when ``DISCHARGE_WEBHOOKS_FILE`` names receivers' endpoints (the demo's receivers
    read NATS: without endpoints the sender would only wait)."""
    from workers.webhooks.settings import WebhookSettings

    parts = (*APP_PARTS, NOTIFY_PART) if settings.discharge_smtp_url is not None else APP_PARTS
    return (*parts, "webhooks") if WebhookSettings().discharge_webhooks_file else parts


def app_child_spec(part: str, settings: Settings, own: dict[str, str] | None = None) -> ChildSpec:
    """A part's child: settings through the environment, in the supervisor's log format; ``own`` is what
    only this part gets (its NATS user)."""
    env = {**os.environ, **settings_env(settings), **(own or {})}
    env["DISCHARGE_DEVELOPMENT"] = "true"
    if "discharge_late_event_grace" not in settings.model_fields_set:
        # The demo's backlog (dated in the past, so its deadlines are too) is in within seconds: a newcomer
        # sees its reviews and escalations at once rather than after production's minute of grace.
        env["DISCHARGE_LATE_EVENT_GRACE"] = format_iso_duration(DEV_LATE_EVENT_GRACE)
    log_format = resolve_format(settings.discharge_log_format)
    env["DISCHARGE_LOG_FORMAT"] = log_format
    if use_colors():
        env["FORCE_COLOR"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return ChildSpec(
        name=part,
        command=[sys.executable, "-m", "discharge.cli.main", part],
        env=env,
        relay=relay_structured if log_format == "json" else relay_console,
    )


def ready_check(child: Child, settings: Settings, client: Client) -> Callable[[], Awaitable[bool]]:
    """A poll that is true once ``child`` (a part of `APP_PARTS`) serves."""
    s = settings
    if child.name == "worker":
        assert child.started_at is not None
        started = child.started_at
        return lambda: health.worker_polling(client, s.temporal_task_queue, child.pid, started)
    if child.name == "gateway":
        return lambda: health.inbound_consumer_active(s)
    if child.name == "codec-server":
        return lambda: health.http_ok(f"http://{s.codec_address}/healthz")
    if child.name == "readmodel":
        from workers.readmodel import consumer_active  # the read model's own check, with its code

        return lambda: consumer_active(s)
    if child.name == "delivery":
        from workers.delivery import consumer_active as delivering

        return lambda: delivering(s)
    if child.name == "webhooks":
        from workers.webhooks.service import senders_active
        from workers.webhooks.settings import WebhookSettings

        webhooks = WebhookSettings()
        return lambda: senders_active(s, webhooks)
    if child.name == NOTIFY_PART:
        from workers.notify import consumer_active as notifying

        return lambda: notifying(s)
    if child.name == "web":
        return lambda: web_part.web_ready(s)
    if child.name in doors_part.DOOR_PARTS:
        name = child.name
        return lambda: doors_part.door_ready(name)
    raise ValueError(f"no readiness check for {child.name!r}")


def watch_check(child: Child, settings: Settings, client: Client) -> Callable[[], Awaitable[bool]]:
    """A poll that is true while ``child`` still serves (workers/stack/watch.py): the worker's, the
    gateway's, the delivery's and the read model's own `/readyz` (connected, polling, consuming or
    fetching) when the supervisor knows its port, else the check it passed at start."""
    addresses = {
        "worker": settings.discharge_worker_http_address,
        "gateway": settings.discharge_gateway_http_address,
        "delivery": settings.discharge_delivery_http_address,
        "readmodel": settings.discharge_readmodel_http_address,
    }
    address = addresses.get(child.name)
    if address is not None and not address.endswith(":0"):  # ":0": a free port only the part knows
        return lambda: health.http_ok(f"http://{address}/readyz")
    if child.name == "readmodel":  # busy with a backlog it has no fetch waiting, and still works
        from workers.readmodel import DURABLE

        return lambda: health.pull_consumer_working(settings, OUTBOUND_STREAM, DURABLE)
    return ready_check(child, settings, client)
