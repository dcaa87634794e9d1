"""RFC 9457 problem details: every refusal of the HTTP door, as ``application/problem+json``.

``type`` names the kind of problem (a URN of ours, stable for integrators to branch on), ``title`` says it
in words, ``detail`` is the reason a dead letter would carry, and ``errors`` lists one reason per event of
a batch. None of them quotes the request: reasons name the field and the rule, never the value sent.
"""

from __future__ import annotations

import json

from aiohttp import web

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:discharge:problem:"

TITLES = {
    400: "The events were not accepted; nothing was stored",
    401: "A valid bearer token is needed",
    403: "This sending system may not send this type",
    413: "The request is larger than an event may be",
    415: "Unsupported media type",
    429: "Too many events from this sending system; slow down",
    503: "Not stored now; send the same request again",
}


def problem(
    status: int,
    kind: str,
    detail: str,
    *,
    errors: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body: dict[str, object] = {
        "type": TYPE_PREFIX + kind,
        "title": TITLES.get(status, "Refused"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type=PROBLEM_JSON, headers=headers
    )
