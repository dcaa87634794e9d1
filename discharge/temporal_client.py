"""Connecting to Temporal the same way everywhere: namespace, TLS / mTLS or API key, pydantic payloads
encrypted with the payload key ring (discharge/codec.py): every client the project makes comes from here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio.client import Client, Interceptor, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from discharge.codec import encrypted_data_converter
from discharge.keyring import load_ring
from discharge.settings import Settings
from events.identity import workflow_id_for
from workflows.names import SA_PATIENT_KEY, SIGNAL_INBOUND_EVENT, WORKFLOW_TYPE

if TYPE_CHECKING:
    from workflows.api import PathwayEvent


def tls_config(settings: Settings) -> TLSConfig | bool:
    if settings.temporal_tls_cert or settings.temporal_tls_key or settings.temporal_tls_ca:
        return TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes() if settings.temporal_tls_cert else None,
            client_private_key=settings.temporal_tls_key.read_bytes() if settings.temporal_tls_key else None,
            server_root_ca_cert=settings.temporal_tls_ca.read_bytes() if settings.temporal_tls_ca else None,
        )
    # An API key (Temporal Cloud) always travels over TLS.
    return settings.temporal_api_key is not None


async def connect_temporal(
    settings: Settings, *, runtime: Runtime | None = None, interceptors: Sequence[Interceptor] = ()
) -> Client:
    """``runtime`` exports the SDK's metrics (discharge/ops/sdk.py); ``interceptors`` add tracing."""
    converter = encrypted_data_converter(load_ring(settings))
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        tls=tls_config(settings),
        api_key=api_key,
        data_converter=converter,
        runtime=runtime,
        interceptors=interceptors,
    )


async def connect_temporal_patiently(
    settings: Settings,
    *,
    give_up_after: timedelta | None,
    runtime: Runtime | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> Client:
    """`connect_temporal`, tried again with a growing delay while Temporal does not answer yet (one log
    line per miss); after ``give_up_after`` `discharge.patience.Unreachable`; None: until cancelled."""
    # Imported here: the CLI's listings connect through this module and must not load logging (start-up).
    from discharge.patience import patiently

    return await patiently(
        lambda: connect_temporal(settings, runtime=runtime, interceptors=interceptors),
        what=f"Temporal at {settings.temporal_address}",
        give_up_after=give_up_after,
    )


async def signal_with_start(
    client: Client, task_queue: str, pathway_event: PathwayEvent
) -> WorkflowHandle[object, object]:
    """Deliver one event to its patient's pathway, starting the pathway if none is running.

    Signal-with-start is atomic: the event is in the workflow's history when this returns, so the
    gateway may ack the NATS message.
    """
    # Imported here, not above: the CLI's listings connect through this module and need no models
    # (their start-up time, docs/benchmarks.md "CLI start-up"); the gateway has them loaded already.
    from workflows.api import PathwayStart

    key = pathway_event.patient_key
    return await client.start_workflow(
        WORKFLOW_TYPE,
        PathwayStart(patient_key=key),
        id=workflow_id_for(key),
        task_queue=task_queue,
        start_signal=SIGNAL_INBOUND_EVENT,
        start_signal_args=[pathway_event],
        search_attributes=TypedSearchAttributes([SearchAttributePair(SA_PATIENT_KEY, key)]),
    )
