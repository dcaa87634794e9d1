"""Before `discharge dev` starts anything: what would make the embedded stack fail obscurely later.

Each problem is a `StackError` with the setting or the command that fixes it.
"""

from __future__ import annotations

from discharge.settings import Settings
from workers.stack import doors as doors_part, web as web_part
from workers.stack.datadir import StackError
from workers.stack.servers import MissingBinary, binary, nats_monitoring_port, port_is_free

#: Connection options for external servers only: with one of them set, the stack's own clients and
#: children would try TLS or credentials against servers that have neither, and fail obscurely.
EXTERNAL_ONLY = (
    "temporal_tls_cert",
    "temporal_tls_key",
    "temporal_tls_ca",
    "temporal_api_key",
    "nats_creds",
    "nats_nkey_seed",
    "nats_inbox_prefix",
    "nats_tls_ca",
    "nats_tls_cert",
    "nats_tls_key",
)


def preflight(settings: Settings, *, codec_server: bool = True, parts: tuple[str, ...] = ()) -> None:
    """Refuse external-only connection options, missing server binaries and ports already in use."""
    external = [name.upper() for name in EXTERNAL_ONLY if getattr(settings, name) is not None]
    if external:
        raise StackError(
            f"the embedded servers use neither TLS nor credentials; unset {', '.join(external)} "
            "(they are for `discharge worker` / `gateway` against external servers)"
        )
    for name in ("temporal", "nats-server"):
        try:
            binary(name)
        except MissingBinary as missing:
            raise StackError(str(missing)) from None
    s = settings
    codec_host, _, codec_port = s.codec_address.rpartition(":")
    for host, port, variable, what in (
        (s.temporal_host, s.temporal_port, "TEMPORAL_ADDRESS", "Temporal"),
        (s.temporal_host, s.temporal_ui_port, "TEMPORAL_ADDRESS", "the Web UI (Temporal port + 1000)"),
        (s.nats_host, s.nats_port, "NATS_URL", "NATS"),
        *(
            [
                (
                    codec_host,
                    int(codec_port),
                    "DISCHARGE_CODEC_ADDRESS",
                    "the codec server (Temporal port + 1001)",
                )
            ]
            if codec_server
            else []
        ),
        (s.nats_host, nats_monitoring_port(s.nats_port), "NATS_URL", "NATS monitoring (NATS port + 4000)"),
        (
            *_host_port(s.discharge_worker_http_address),
            "DISCHARGE_WORKER_HTTP_ADDRESS",
            "the worker's metrics",
        ),
        (
            *_host_port(s.discharge_gateway_http_address),
            "DISCHARGE_GATEWAY_HTTP_ADDRESS",
            "the gateway's metrics",
        ),
        *(
            [
                (
                    *_host_port(s.discharge_delivery_http_address),
                    "DISCHARGE_DELIVERY_HTTP_ADDRESS",
                    "the delivery's metrics",
                )
            ]
            if "delivery" in parts
            else []
        ),
        *(
            [
                (
                    *_host_port(s.discharge_readmodel_http_address),
                    "DISCHARGE_READMODEL_HTTP_ADDRESS",
                    "the read model's metrics",
                )
            ]
            if "readmodel" in parts
            else []
        ),
        *web_part.ports_needed(s, parts),
        *doors_part.ports_needed(parts),
    ):
        if port and not port_is_free(host, port):  # port 0: any free port
            raise StackError(
                f"port {port} on {host} is already in use (needed for {what}); stop whatever uses it "
                f"(another `discharge dev`?) or choose other ports with {variable}"
            )


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host or "localhost", int(port)
