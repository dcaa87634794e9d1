"""The CloudEvents HTTP binding (1.0.2): one request's body and headers to the events it carries, as JSON.

Three content modes (binding §3):

* structured, ``Content-Type: application/cloudevents+json``: the body is one event in the JSON format,
  taken as sent: it is what is stored, byte for byte, and what the gateway reads;
* binary, ``ce-*`` headers with the attributes and the body as ``data``: the `cloudevents` SDK
  (`cloudevents.core.bindings.http.from_binary`) maps the headers (percent-decoding, ``Content-Type`` as
  ``datacontenttype``) and reads the JSON data; the event is then written in the JSON format to be stored.
  ``ce-time`` is kept as sent (the SDK would read a naive or basic-format time leniently): the contract's
  own rule, an RFC 3339 time with an offset, decides, with the same reason as on NATS;
* batched, ``Content-Type: application/cloudevents-batch+json``: a JSON array of events in the JSON format
  (the SDK has no batched mode: each item is one structured event).

The SDK's own validation is not used: the contract's models are stricter and give the reasons the gateway
gives. Anything else is `UnsupportedMedia` (415).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from cloudevents.core.bindings.http import HTTPMessage, from_binary
from cloudevents.core.formats.json import JSONFormat

from events.inbound.parsing import InvalidEvent

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
JSON = "application/json"
#: Most events one batch may carry (the body is bounded at 64 KiB anyway).
MAX_BATCH = 100


class UnsupportedMedia(Exception):
    """Neither mode: answered 415 with the media types we take."""


class _Captured:
    """The SDK's event factory, replaced: the attributes and data as mapped, without the SDK's checks."""

    def __init__(self, attributes: dict[str, Any], data: object) -> None:
        self.attributes, self.data = attributes, data


def media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_binary(headers: Mapping[str, str]) -> bool:
    return any(name.lower().startswith("ce-") for name in headers)


def event_bodies(headers: Mapping[str, str], body: bytes) -> list[tuple[str, bytes]]:
    """(label, JSON event) pairs; `InvalidEvent` (400) or `UnsupportedMedia` (415) otherwise."""
    media = media_type(headers)
    if is_binary(headers):
        if media != JSON and not (media.startswith("application/") and media.endswith("+json")):
            raise UnsupportedMedia("binary mode carries the event's data as application/json")
        return [("event", _binary_event(headers, body, media))]
    if media == STRUCTURED:
        return [("event", body)]
    if media == BATCH:
        return _batch(body)
    raise UnsupportedMedia(f"expected {STRUCTURED}, {BATCH}, or ce-* headers with {JSON}")


def _binary_event(headers: Mapping[str, str], body: bytes, media: str) -> bytes:
    lowered = {name.lower(): value for name, value in headers.items()}
    message = HTTPMessage(headers={k: v for k, v in lowered.items() if k != "ce-time"}, body=body)
    captured: Any = from_binary(message, JSONFormat(), _Captured)  # type: ignore[arg-type]
    document: dict[str, Any] = dict(captured.attributes)
    document["datacontenttype"] = media  # without parameters (charset): the contract's literal
    if "ce-time" in lowered:
        document["time"] = unquote(lowered["ce-time"])
    if isinstance(captured.data, str | bytes):
        # The SDK hands back text or bytes for a body that is not JSON; an event's data is a JSON object.
        raise InvalidEvent("not_json", "binary mode: the body (the event's data) is not a JSON object")
    document["data"] = captured.data
    return json.dumps(document).encode()


def _batch(body: bytes) -> list[tuple[str, bytes]]:
    try:
        items = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise InvalidEvent("not_json", f"the batch is not JSON ({error.__class__.__name__})") from None
    if not isinstance(items, list) or not items:
        raise InvalidEvent("not_json", "a batch is a JSON array of one or more events")
    if len(items) > MAX_BATCH:
        raise InvalidEvent("too_large", f"a batch carries at most {MAX_BATCH} events")
    return [(f"item {number}", json.dumps(item).encode()) for number, item in enumerate(items, start=1)]
