"""`discharge dev`, `discharge worker`, `discharge gateway`: the processes that run the system.

`dev` supervises everything on one machine; `worker` and `gateway` run one part alone against an
external Temporal cluster and NATS (production). The parts' code is imported lazily (but typed), inside
the handlers, so `discharge --help` and the other commands stay fast and independent of them.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

from discharge.cli.plumbing import UsageError, command_handler, command_settings
from discharge.keyring import require_production_keys
from discharge.logging import configure_logging
from discharge.settings import (
    DEV_SESSION_SECRET,
    Settings,
    SettingsError,
    require_production_secret,
    require_strong_secret,
)
from discharge.signals import on_stop_signals

_EXTERNAL = (
    "Connects to an external Temporal cluster (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, "
    "TEMPORAL_TLS_CERT/KEY/CA or TEMPORAL_API_KEY) and NATS (NATS_URL, NATS_CREDS, "
    "NATS_TLS_CA/CERT/KEY, or NATS_NKEY_SEED/NATS_INBOX_PREFIX). Refuses the dev-only "
    "DISCHARGE_PATIENT_KEY_SECRET, and runs only with a payload key ring (DISCHARGE_PAYLOAD_KEYS_FILE), "
    "unless DISCHARGE_DEVELOPMENT=true. Stops cleanly on SIGTERM."
)
Runner = Callable[[Settings], Coroutine[Any, Any, None]]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    dev = commands.add_parser(
        "dev",
        help="run the whole system locally: Temporal + Web UI, NATS JetStream, worker, gateway",
        description=(
            "The embedded stack on the addresses of TEMPORAL_ADDRESS and NATS_URL (Web UI on the "
            "Temporal port + 1000), data in DISCHARGE_DATA_DIR. Ctrl-C stops it all."
        ),
    )
    dev.add_argument("--no-demo", action="store_true", help="do not load the demo patients")
    dev.set_defaults(handler=run_dev)

    worker = commands.add_parser(
        "worker",
        help="run the Temporal worker alone (production)",
        description="The PatientPathway workflow and its activities on TEMPORAL_TASK_QUEUE. " + _EXTERNAL,
    )
    worker.set_defaults(handler=run_worker_command)
    gateway = commands.add_parser(
        "gateway",
        help="run the event gateway alone (production)",
        description="Inbound CloudEvents from NATS JetStream to the patients' pathways. " + _EXTERNAL,
    )
    gateway.set_defaults(handler=run_gateway_command)
    codec = commands.add_parser(
        "codec-server",
        help="run the Temporal UI's codec server alone (production; `discharge dev` starts one)",
        description=(
            "Temporal's remote codec protocol (POST /encode, /decode) on DISCHARGE_CODEC_ADDRESS: decrypts "
            "history payloads with DISCHARGE_PAYLOAD_KEYS_FILE for a signed-in coordinator or ops person "
            "(the web page's cookie, our access token or an OIDC access token as bearer), appends every "
            "decode to the audit log (DISCHARGE_AUDIT_LOG), answers 401 to anyone else. CORS for "
            "DISCHARGE_CODEC_UI_ORIGINS. Refuses the dev-only DISCHARGE_SESSION_SECRET unless "
            "DISCHARGE_DEVELOPMENT=true."
        ),
    )
    codec.set_defaults(handler=run_codec_server_command)


@command_handler("discharge dev")
def run_dev(args: argparse.Namespace) -> int:
    from workers.stack.supervisor import run_stack

    settings = command_settings(check=require_strong_own_secrets)
    configure_logging("supervisor", settings.discharge_log_format, settings.discharge_log_level)
    if settings.uses_dev_secret:
        structlog.get_logger().warning(
            "dev-only patient-key secret in use; set DISCHARGE_PATIENT_KEY_SECRET outside a laptop"
        )
    return asyncio.run(run_stack(settings, demo=not args.no_demo))


@command_handler("discharge worker")
def run_worker_command(args: argparse.Namespace) -> int:
    from workers.worker import run_worker

    return run_part("worker", run_worker)


@command_handler("discharge gateway")
def run_gateway_command(args: argparse.Namespace) -> int:
    from workers.gateway.service import run_gateway

    return run_part("gateway", run_gateway)


@command_handler("discharge codec-server")
def run_codec_server_command(args: argparse.Namespace) -> int:
    from workers.codec_server.service import run_codec_server

    return run_part("codec-server", run_codec_server)


def require_strong_own_secrets(settings: Settings) -> None:
    """`discharge dev`: the secrets its parts will get, refused at once when set and too short."""
    if not settings.uses_dev_secret:
        require_strong_secret(settings, "discharge_patient_key_secret")
    if settings.discharge_session_secret.get_secret_value() != DEV_SESSION_SECRET:
        require_strong_secret(settings, "discharge_session_secret")


def run_part(command: str, runner: Runner) -> int:
    """Settings, logging, the production-secret rules and the key ring, then the part until a stop signal."""

    def prepare(settings: Settings) -> None:
        # Logging first: the production-secret rule may warn (development) instead of refusing.
        configure_logging(command, settings.discharge_log_format, settings.discharge_log_level)
        if command == "codec-server":
            from workers.codec_server.service import require_production_session

            require_production_session(settings)  # it never sees the patient-key secret
        elif command != "worker":  # the worker never pseudonymises: it needs no patient-key secret
            require_production_secret(settings, command)

    settings = command_settings(check=prepare)
    try:
        settings = require_production_keys(settings, command)  # the data dir's dev ring in development
    except SettingsError as error:
        raise UsageError(str(error)) from None
    return asyncio.run(serve(command, runner, settings))


async def serve(command: str, runner: Runner, settings: Settings) -> int:
    """Run ``runner`` until it returns or a signal cancels it; a failure is one log line, exit 1.

    The runner may install its own SIGTERM/SIGINT handlers to stop gracefully (they replace these);
    otherwise these cancel it, which closes its connections through its own ``finally`` blocks.
    """
    log = structlog.get_logger()
    task = asyncio.create_task(runner(settings), name=command)
    try:
        with on_stop_signals(task.cancel):
            await task
    except asyncio.CancelledError:
        log.info(f"{command} stopped")
        return 0
    except Exception as error:
        log.error(f"{command} failed", error_type=type(error).__name__, error=str(error))
        return 1
    return 0
