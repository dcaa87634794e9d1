"""The MLLP listener: python-hl7's MLLP stream reader and writer frame the blocks (``0x0b … 0x1c 0x0d``) on
our own asyncio server; this module bounds the connections and answers every message with its ACK.

Not ``hl7.mllp.start_hl7_server``: it finds its loop with ``asyncio.get_event_loop()``, deprecated (a warning
without a running loop since Python 3.12, an error in 3.14); the server here is made on the running loop
with the same reader and protocol classes.

One message at a time per connection (MLLP is send, wait for the ACK, send the next); connections in
parallel up to ``max_connections`` (more are closed at once). A connection with no complete message within
the idle timeout is closed, so a sender that opens and stalls (or trickles a byte at a time) holds nothing
for long. A block larger than ``max_bytes`` cannot be acknowledged (its MSH-10 is not kept): the connection
is closed and the sender sees no ACK, which it treats as "not received".

AA only after the event is stored in DISCHARGE_EVENTS (an AA is a promise); AE for a message that cannot
be accepted, with the reason (nothing stored); AR for a message type we do not take, and for a storage
failure, since the sender should send that same message again (docs/doors.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import hl7
import structlog
from hl7.mllp import HL7StreamProtocol, HL7StreamReader
from hl7.mllp.exceptions import InvalidBlockError
from nats.js import JetStreamContext
from prometheus_client import Counter, Gauge, Histogram

from events.inbound.parsing import InvalidEvent
from workers.doors.intake import count_refused, read_event, store
from workers.hl7.ack import ack
from workers.hl7.mapping import Refused, header, location_of, to_event

log = structlog.get_logger(component="hl7")

ACKS = Counter("discharge_hl7_acks", "ACKs sent, by acknowledgment code (AA, AE, AR)", ["code"])
CONNECTIONS = Gauge("discharge_hl7_connections", "MLLP connections open now")
ACK_LATENCY = Histogram(
    "discharge_hl7_ack_seconds",
    "From a whole message received to its ACK written",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
#: The largest message taken: an ADT message with a few repetitions is a few kilobytes.
MAX_MESSAGE_BYTES = 64 * 1024
#: The most field, component, repetition and subcomponent separators a message may have (MSH-2 names them;
#: the documented A01 has about 150).
MAX_SEPARATORS = 2_000


def decode(block: bytes) -> str:
    """UTF-8 (HL7 v2.8's preferred character set), else ISO 8859-1 (what older Swedish systems send).
    Segments end in ``\\r``, also when the sender ended them with ``\\n`` or ``\\r\\n``; blank lines are
    dropped."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        text = block.decode("latin-1")
    segments = text.replace("\r\n", "\r").replace("\n", "\r").split("\r")
    return "\r".join(segment for segment in segments if segment.strip())


class Hl7Door:
    def __init__(
        self,
        jetstream: Callable[[], JetStreamContext],
        *,
        future_tolerance: timedelta,
        idle_timeout: timedelta,
        max_connections: int,
        max_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self._jetstream = jetstream
        self._future_tolerance = future_tolerance
        self._idle = idle_timeout.total_seconds()
        self._max_connections = max_connections
        self._max_bytes = max_bytes
        self._open = 0

    async def serve(self, host: str, port: int) -> asyncio.Server:
        loop = asyncio.get_running_loop()

        def connection() -> HL7StreamProtocol:
            reader = HL7StreamReader(limit=self._max_bytes, loop=loop)
            return HL7StreamProtocol(reader, self._connected, loop=loop)

        return await loop.create_server(connection, host, port)

    async def _connected(self, reader: hl7.mllp.HL7StreamReader, writer: hl7.mllp.HL7StreamWriter) -> None:
        if self._open >= self._max_connections:
            log.warning("mllp connection refused: too many open", limit=self._max_connections)
            writer.close()
            return
        self._open += 1
        CONNECTIONS.inc()
        try:
            await self._converse(reader, writer)
        finally:
            self._open -= 1
            CONNECTIONS.dec()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _converse(self, reader: hl7.mllp.HL7StreamReader, writer: hl7.mllp.HL7StreamWriter) -> None:
        while True:
            try:
                async with asyncio.timeout(self._idle):
                    block = await reader.readblock()
            except TimeoutError:
                log.info("mllp connection idle; closed", idle_seconds=self._idle)
                return
            except (asyncio.IncompleteReadError, ConnectionError):
                return  # the sender closed
            except (ValueError, InvalidBlockError) as error:
                log.warning("mllp framing refused; connection closed", error=type(error).__name__)
                return
            started = time.perf_counter()
            answer = await self.answer(block)
            writer.writeblock(answer)
            await writer.drain()
            ACK_LATENCY.observe(time.perf_counter() - started)

    async def answer(self, block: bytes) -> bytes:
        """The ACK of one message (its bytes, without the MLLP frame)."""
        text = decode(block)
        if not text.startswith("MSH"):
            return self._ack("AR", "", reason="the message does not begin with MSH", error_code="100")
        if sum(text.count(separator) for separator in set(text[3:6] + text[7:8])) > MAX_SEPARATORS:
            # python-hl7 builds an object per field, component and repetition: thousands cost a parse of
            # a tenth of a second or more. No ADT message of ours needs so many; refused before parsing.
            return self._ack(
                "AE",
                _control_id(text),
                reason=f"more than {MAX_SEPARATORS} fields and repetitions",
                error_code="102",
            )
        try:
            message = hl7.parse(text)
            head = header(message)
        except Exception as error:  # the library's parse of hostile text can fail in many ways
            return self._ack(
                "AE", "", reason=f"not an HL7 v2 message ({type(error).__name__})", error_code="102"
            )
        context: dict[str, Any] = {
            "control_id": head.control_id,
            "trigger": head.trigger,
            "receiving": (_raw(message, 3), _raw(message, 4)),
            "version": _raw(message, 12),
        }
        try:
            document = to_event(message)
        except Refused as refused:
            count_refused("hl7")
            code = "AR" if refused.reject else "AE"
            return self._ack(
                code, **context, reason=refused.reason, error_code=refused.code, location=refused.location
            )
        except Exception as error:
            count_refused("hl7")
            return self._ack(
                "AE", **context, reason=f"the message could not be read ({type(error).__name__})"
            )
        try:
            ready = read_event(
                json.dumps(document).encode(), label="message", future_tolerance=self._future_tolerance
            )
        except InvalidEvent as invalid:
            count_refused("hl7", document.get("type"))
            reason = f"{invalid.kind}: {invalid.reason}"
            return self._ack("AE", **context, reason=reason, location=location_of(invalid.reason))
        try:
            await store(self._jetstream(), "hl7", [ready])
        except Exception as error:
            log.warning("hl7 event not stored", error=type(error).__name__, event_id=ready.event.id)
            return self._ack("AR", **context, reason="not stored now; send the same message again")
        log.debug("hl7 event stored", event_type=ready.event.type, event_id=ready.event.id)
        return self._ack("AA", **context)

    def _ack(self, code: str, control_id: str, **fields: Any) -> bytes:
        ACKS.labels(code).inc()
        return ack(code=code, control_id=control_id, **fields)


def _control_id(text: str) -> str:
    """MSH-10 read from the text itself (for an ACK of a message that is not parsed)."""
    fields = text.split("\r", 1)[0].split(text[3:4] or "|")
    return fields[9] if len(fields) > 9 else ""


def _raw(message: hl7.Message, field: int) -> str:
    try:
        return str(message.segment("MSH")(field))
    except (KeyError, IndexError):
        return ""
