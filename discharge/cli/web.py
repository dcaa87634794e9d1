"""`discharge web`: the coordinators' web page alone (production), against Temporal and the region's IdP."""

from __future__ import annotations

import argparse
from typing import Any, cast

from discharge.cli.stack import Runner, run_part


def _import_web() -> Runner:
    from workers.web.server import run_web

    return cast(Runner, run_web)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    web = commands.add_parser(
        "web",
        help="run the coordinators' web page (also started by `discharge dev`)",
        description=(
            "The coordinators' web page at DISCHARGE_WEB_ADDRESS (default localhost:8080): inbox, patients, "
            "decisions, pathways, audit log. Sign-in with OpenID Connect (DISCHARGE_OIDC_ISSUER, "
            "DISCHARGE_OIDC_CLIENT_ID, DISCHARGE_OIDC_CLIENT_SECRET); sessions last DISCHARGE_SESSION_TTL "
            "and are signed with DISCHARGE_SESSION_SECRET. Stops cleanly on SIGTERM."
        ),
    )
    web.set_defaults(handler=lambda args: run_part("web", _import_web))
