"""`discharge web`: the coordinators' web page alone (production), against Temporal and the region's IdP."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from discharge.cli.plumbing import UsageError, command_handler, command_settings
from discharge.cli.stack import serve
from discharge.keyring import require_production_keys
from discharge.logging import configure_logging
from discharge.settings import Settings, SettingsError, require_production_secret


@command_handler("discharge web")
def run_web_command(args: argparse.Namespace) -> int:
    from workers.web.server import check_web_settings, run_web

    def prepare(settings: Settings) -> None:
        configure_logging("web", settings.discharge_log_format, settings.discharge_log_level)
        require_production_secret(settings, "web")
        check_web_settings(settings)  # the IdP, the session secret, the address: refused before serving

    settings = command_settings(check=prepare)
    try:
        # A payload key ring of its own; the data dir's dev ring only with DISCHARGE_DEVELOPMENT=true.
        settings = require_production_keys(settings, "web")
    except SettingsError as error:
        raise UsageError(str(error)) from None
    return asyncio.run(serve("web", run_web, settings))


def register(commands: argparse._SubParsersAction[Any]) -> None:
    web = commands.add_parser(
        "web",
        help="run the coordinators' web page (also started by `discharge dev`)",
        description=(
            "The coordinators' web page at DISCHARGE_WEB_ADDRESS (default localhost:8080): inbox, patients, "
            "decisions, pathways, audit log. Sign-in with OpenID Connect (DISCHARGE_OIDC_ISSUER, "
            "DISCHARGE_OIDC_CLIENT_ID, DISCHARGE_OIDC_CLIENT_SECRET); sessions last DISCHARGE_SESSION_TTL "
            "and are signed with DISCHARGE_SESSION_SECRET. Refuses the dev-only secrets, secrets shorter "
            "than 32 bytes, and runs only with a payload key ring (DISCHARGE_PAYLOAD_KEYS_FILE), unless "
            "DISCHARGE_DEVELOPMENT=true. Stops cleanly on SIGTERM."
        ),
    )
    web.set_defaults(handler=run_web_command)
