"""A person's action as an inbound event, through the gateway's own path: validate, pseudonymise, signal.

The event is built as any sending system builds one (a CloudEvent, ``source`` the signed-in person), read
with the doors' and the gateway's validation (`workers.doors.intake.read_event`: the same bounds, model and
reasons), pseudonymised with the same secret, and delivered with the gateway's sender
(`discharge.temporal_client.signal_with_start`), so whatever that sender adds applies to the page's events
too. Before sending, the pathway is asked whether its rules would act on it now (query ``check_event``,
workflows/rules/dryrun.py): a refusal is shown on the page in the rules' own words and nothing is sent.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from discharge.settings import Settings
from discharge.temporal_client import signal_with_start
from events.cloudevent import cloudevent
from events.identity import parse_identity, patient_key, workflow_id_for
from events.inbound.parsing import InvalidEvent, patient_of
from workers.doors.intake import read_event
from workers.web.data import ANSWER_TIMEOUT, NoAnswer, NoPathway, Refused
from workflows.api import PathwayEvent
from workflows.names import QUERY_CHECK_EVENT

#: The label the doors' validation puts on an event read from the web page (what a refusal names).
LABEL = "web"


def build_event(
    settings: Settings, source: str, type_: str, identity: str, data: dict[str, Any], now: datetime
) -> PathwayEvent:
    """The inbound event, validated as the gateway validates it, or ``Refused`` with the gateway's reason."""
    document = cloudevent(
        id=str(uuid.uuid4()), source=source, type=type_, time=now, data={"patient": {"id": identity}, **data}
    )
    body = json.dumps(document).encode("utf-8")
    try:
        event = read_event(
            body, label=LABEL, future_tolerance=settings.discharge_future_tolerance, now=now
        ).event
    except InvalidEvent as invalid:
        raise Refused(invalid.reason) from None
    secret = settings.discharge_patient_key_secret.get_secret_value()
    key = patient_key(parse_identity(patient_of(event)), secret)
    return PathwayEvent(patient_key=key, event=event, received_at=now)


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


async def send(client: Client, settings: Settings, event: PathwayEvent) -> None:
    """Refused with the pathway's reason, or delivered as the gateway delivers (signal-with-start)."""
    reason = await check_event(client, event)
    if reason:
        raise Refused(reason)
    try:
        await signal_with_start(client, settings.temporal_task_queue, event)
    except RPCError as error:
        raise NoAnswer(f"the pathway did not take the event: {error.message}") from None
