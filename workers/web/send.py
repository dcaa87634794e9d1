"""A person's action as an inbound event, through the gateway like every sender's: stored as a door stores.

The event is built as any sending system builds one (a CloudEvent, ``source`` the signed-in person), read
with the doors' and the gateway's validation (`workers.doors.intake.read_event`: the same bounds, model and
reasons), and stored in ``DISCHARGE_EVENTS`` on ``events.<type>`` as the HTTP and HL7 doors store theirs
(`workers.doors.intake.store`, ``Nats-Msg-Id`` = ``source`` + ``id``). The gateway takes it from there: it
pseudonymises it and signals the pathway for the sending system (only the gateway signals).
Before storing, the pathway is asked whether its rules would act on it now (query ``check_event``,
workflows/rules/dryrun.py): a refusal is shown on the page in the rules' own words and nothing is stored.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nats.js import JetStreamContext
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from discharge.settings import Settings
from events.batch import ReadyEvent
from events.cloudevent import cloudevent
from events.identity import parse_identity, patient_key, workflow_id_for
from events.inbound.parsing import InvalidEvent, patient_of
from workers.doors.intake import read_event, store
from workers.web.data import ANSWER_TIMEOUT, NoAnswer, NoPathway, Refused
from workflows.api import PathwayEvent
from workflows.names import QUERY_CHECK_EVENT

#: The door's name in the doors' metrics and the label a refusal names.
DOOR = "web"


@dataclass(frozen=True)
class Outgoing:
    ready: ReadyEvent  # what is stored, as the doors store it
    pathway_event: PathwayEvent  # what the gateway will signal (for the pathway's check)

    @property
    def patient_key(self) -> str:
        return self.pathway_event.patient_key


def build_event(
    settings: Settings, source: str, type_: str, identity: str, data: dict[str, Any], now: datetime
) -> Outgoing:
    """The inbound event, validated as the gateway validates it, or ``Refused`` with the gateway's reason."""
    document = cloudevent(
        id=str(uuid.uuid4()), source=source, type=type_, time=now, data={"patient": {"id": identity}, **data}
    )
    body = json.dumps(document).encode("utf-8")
    try:
        ready = read_event(body, label=DOOR, future_tolerance=settings.discharge_future_tolerance, now=now)
    except InvalidEvent as invalid:
        raise Refused(invalid.reason) from None
    secret = settings.discharge_patient_key_secret.get_secret_value()
    key = patient_key(parse_identity(patient_of(ready.event)), secret)
    return Outgoing(ready, PathwayEvent(patient_key=key, event=ready.event, received_at=now))


async def check_event(client: Client, event: PathwayEvent) -> str | None:
    """The pathway's reason for not acting on ``event`` now, or ``None`` (it changes nothing)."""
    handle = client.get_workflow_handle(workflow_id_for(event.patient_key))
    try:
        reason: str | None = await handle.query(
            QUERY_CHECK_EVENT, event, result_type=str, rpc_timeout=ANSWER_TIMEOUT
        )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise NoPathway("no such pathway") from None
        raise NoAnswer(f"no answer from the pathway within {ANSWER_TIMEOUT.seconds} s") from None
    return reason


async def send(client: Client, js: JetStreamContext, outgoing: Outgoing) -> None:
    """Refused with the pathway's reason, or stored for the gateway (``NoAnswer`` if NATS would not)."""
    reason = await check_event(client, outgoing.pathway_event)
    if reason:
        raise Refused(reason)
    try:
        await store(js, DOOR, [outgoing.ready])
    except Exception as error:  # NATS away or the stream not answering: nothing was stored
        raise NoAnswer(
            f"the event could not be stored just now ({type(error).__name__}): try again"
        ) from None
