"""The doors' part of `discharge dev`: `discharge http`, `discharge hl7` and `discharge fhir` as children,
their ports, their readiness (each one's ``/readyz``: NATS connected and DISCHARGE_EVENTS there; the FHIR
door's: the read model answers), the development tokens and the banner lines that say where all of it is."""

from __future__ import annotations

from pathlib import Path

from discharge.bearer import SYSTEMS, dev_keys_dir, write_dev_tokens
from workers.doors.settings import DoorSettings, host_port
from workers.fhir.settings import FhirSettings
from workers.stack.web import answers

DOOR_PARTS = ("http", "hl7", "fhir")


def door_settings() -> DoorSettings:
    """From the environment, as the children read them (they inherit the supervisor's)."""
    return DoorSettings()


def ready_url(part: str, doors: DoorSettings) -> str:
    if part == "fhir":
        return f"http://{FhirSettings().discharge_fhir_address}/readyz"
    address = doors.discharge_http_address if part == "http" else doors.discharge_hl7_http_address
    return f"http://{address}/readyz"


async def door_ready(part: str) -> bool:
    return await answers(ready_url(part, door_settings()))


def ports_needed(parts: tuple[str, ...]) -> list[tuple[str, int, str, str]]:
    """(host, port, variable, what) for the preflight check of free ports."""
    doors = door_settings()
    needed = []
    if "http" in parts:
        needed.append((*host_port(doors.discharge_http_address), "DISCHARGE_HTTP_ADDRESS", "the HTTP door"))
    if "hl7" in parts:
        needed.append(
            (*host_port(doors.discharge_hl7_address), "DISCHARGE_HL7_ADDRESS", "the HL7 (MLLP) door")
        )
        needed.append(
            (
                *host_port(doors.discharge_hl7_http_address),
                "DISCHARGE_HL7_HTTP_ADDRESS",
                "the HL7 door's metrics",
            )
        )
    if "fhir" in parts:
        fhir_address = FhirSettings().discharge_fhir_address
        needed.append((*host_port(fhir_address), "DISCHARGE_FHIR_ADDRESS", "the FHIR door"))
    if "webhooks" in parts:
        from workers.webhooks.settings import WebhookSettings

        address = WebhookSettings().discharge_webhooks_http_address
        needed.append((*host_port(address), "DISCHARGE_WEBHOOKS_HTTP_ADDRESS", "the webhooks' metrics"))
    return needed


def prepare_tokens(data_dir: Path, parts: tuple[str, ...]) -> None:
    """Fresh development tokens for the HTTP door (and the FHIR reader), unless a real issuer is set."""
    if ("http" in parts or "fhir" in parts) and not door_settings().discharge_http_issuer:
        write_dev_tokens(data_dir)


def banner_lines(data_dir: Path, parts: tuple[str, ...]) -> str:
    doors = door_settings()
    lines = ""
    if "http" in parts:
        lines += f"  HTTP door        http://{doors.discharge_http_address}/events (CloudEvents over HTTP)\n"
        if not doors.discharge_http_issuer:
            tokens = dev_keys_dir(data_dir)
            lines += f"  HTTP dev tokens  {tokens}/<system>.token ({', '.join(SYSTEMS)}; fhir-reader)\n"
    if "hl7" in parts:
        lines += f"  HL7 door (MLLP)  {doors.discharge_hl7_address} (metrics http://{doors.discharge_hl7_http_address})\n"
    if "fhir" in parts:
        base = f"http://{FhirSettings().discharge_fhir_address}/fhir/R4"
        lines += (
            f"  FHIR R4 (read)   {base}/EpisodeOfCare?patient.identifier=... (who holds the patient now)\n"
        )
        if not doors.discharge_http_issuer:
            lines += f"  FHIR dev token   {dev_keys_dir(data_dir)}/fhir-reader.token\n"
    if "webhooks" in parts:
        from workers.webhooks.settings import WebhookSettings

        lines += f"  Webhooks out     to the endpoints in {WebhookSettings().discharge_webhooks_file}\n"
    return lines
