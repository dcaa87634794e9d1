"""`discharge demo`: load the demo patients into a running stack (`discharge/demo/` does the work)."""

from __future__ import annotations

import argparse
from typing import Any

from discharge.cli.plumbing import command_handler

DEMO_HELP = "load the demo patients into a running stack (safe to run twice)"


@command_handler()
def run_demo(args: argparse.Namespace) -> int:
    from discharge.demo.loader import demo_command  # NATS only: the other commands never load it

    return demo_command()


def register(commands: argparse._SubParsersAction[Any]) -> None:
    demo = commands.add_parser(
        "demo",
        help=DEMO_HELP,
        description=(
            "Publish the demo patients' events on NATS (events.<type>), as the hospital, LMV, the VCs, "
            "the municipality and a coordinator would. Safe to run twice: every event has a fixed id."
        ),
    )
    demo.set_defaults(handler=run_demo)
