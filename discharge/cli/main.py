"""The `discharge` command. Each sub-command lives in its own module and registers itself here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from discharge.cli import coordinator, demo, indicators, keys, publishing, stack, web


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="discharge",
        description=(
            "Discharge orchestrator: Region Halland's physician-at-home pathway after hospital "
            "discharge, on Temporal and NATS JetStream. Settings come from the environment "
            "(see README.md)."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    stack.register(commands)
    publishing.register(commands)
    coordinator.register(commands)
    demo.register(commands)
    keys.register(commands)
    indicators.register(commands)
    web.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    status = args.handler(args)
    sys.exit(status or 0)


if __name__ == "__main__":
    main()
