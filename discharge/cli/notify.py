"""`discharge notify`: content-free e-mail to the people who opted in (workers/notify.py)."""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

from discharge.cli.plumbing import command_handler, command_settings


def register(commands: argparse._SubParsersAction[Any]) -> None:
    notify = commands.add_parser(
        "notify",
        help="e-mail people who opted in when something new needs them (long-running; needs SMTP)",
        description=(
            "A durable JetStream consumer of DISCHARGE_OUTBOUND: for each event that asks someone to act, "
            "one content-free e-mail (no patient data, a link to the web page) through DISCHARGE_SMTP_URL "
            "to each person who opted in on the web page's /notifications, at most one per 15 minutes. "
            "Stops on SIGTERM. See docs/notifications.md."
        ),
    )
    notify.set_defaults(handler=run_notify_command)


@command_handler("discharge notify")
def run_notify_command(args: argparse.Namespace) -> int:
    from discharge.logging import configure_logging
    from workers.notify import consume, notifier_for

    settings = command_settings()
    configure_logging("notify", settings.discharge_log_format, settings.discharge_log_level)
    notifier = notifier_for(settings)

    async def serve() -> None:
        task = asyncio.create_task(consume(settings, notifier))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(serve())
    return 0
