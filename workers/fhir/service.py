"""`discharge fhir`: the read-only FHIR R4 door as a process, on ``DISCHARGE_FHIR_ADDRESS``, until SIGTERM.

``/fhir/R4/...`` (workers/fhir/api.py) beside ``/healthz``, ``/readyz`` and ``/metrics`` on the same address.
It reads the read model (``DISCHARGE_READMODEL_URL``: the pathway's state as the outbound events tell it,
kept by `discharge readmodel`), never Temporal: docs/fhir.md says why. Ready once the read model answers.
Tokens as for the HTTP door: ``DISCHARGE_HTTP_ISSUER``'s, or `discharge dev`'s own issuer.
"""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web

from discharge.audit import AccessLog
from discharge.ops.http import OpsServer, ReadinessCheck
from discharge.readmodel.store import ReadModel
from discharge.settings import Settings
from discharge.signals import on_stop_signals
from discharge.units import load_unit_directory
from workers.doors.settings import DoorSettings
from workers.fhir import queries
from workers.fhir.api import FhirApi
from workers.fhir.settings import FhirSettings
from workers.http.service import http_verifier

log = structlog.get_logger(component="fhir")


class FhirServer(OpsServer):
    """The ops endpoints and the FHIR API on one address."""

    def __init__(self, address: str, checks: dict[str, ReadinessCheck], api: FhirApi) -> None:
        super().__init__(address, checks)
        self._api = api

    def app(self) -> web.Application:
        app = super().app()
        self._api.add_routes(app)
        return app


def build_api(settings: Settings, store: ReadModel) -> FhirApi:
    fhir = FhirSettings()
    return FhirApi(
        http_verifier(settings, DoorSettings()),
        store.engine,
        AccessLog(settings.audit_log_path),
        secret=settings.discharge_patient_key_secret.get_secret_value(),
        public_base=fhir.discharge_fhir_public_base,
        handover_accept_timeout=settings.discharge_handover_accept_timeout,
        lmv_unit=settings.discharge_lmv_unit,
        unit_names=unit_names(settings),
    )


def unit_names(settings: Settings) -> dict[str, str]:
    """HSA-id -> name from the unit directory (`DISCHARGE_UNIT_DIRECTORY`; `discharge dev`: the demo's), read
    at start: restart the door after changing it."""
    directory = load_unit_directory(settings.discharge_unit_directory)
    return {hsa_id: unit.name for hsa_id, unit in directory.units.items()}


async def run_fhir(settings: Settings) -> None:
    fhir = FhirSettings()
    store = ReadModel.from_settings(settings).create()
    api = build_api(settings, store)

    async def read_model_answers() -> bool:
        return await asyncio.to_thread(queries.reachable, store.engine)

    server = FhirServer(fhir.discharge_fhir_address, {"readmodel": read_model_answers}, api)
    stop = asyncio.Event()
    try:
        with on_stop_signals(stop.set):
            await server.start()
            log.info("fhir door serving", address=f"http://{fhir.discharge_fhir_address}/fhir/R4")
            await stop.wait()
    finally:
        await server.stop()
        store.close()
        log.info("fhir door stopped")
