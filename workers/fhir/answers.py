"""What the FHIR door sends: ``application/fhir+json`` bodies, searchset Bundles with paging links, and an
``OperationOutcome`` for every error (FHIR RESTful API: https://hl7.org/fhir/R4/http.html)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from workers.fhir.resources import validated
from workers.fhir.search import Criteria

FHIR_JSON = "application/fhir+json"


def fhir_response(
    resource: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    body = json.dumps(resource, ensure_ascii=False).encode()
    return web.Response(status=status, body=body, content_type=FHIR_JSON, charset="utf-8", headers=headers)


def outcome(status: int, code: str, diagnostics: str, headers: dict[str, str] | None = None) -> web.Response:
    """An OperationOutcome with one issue; ``diagnostics`` names the parameter and the rule, never a value."""
    resource = validated(
        OperationOutcome,
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
        },
    )
    return fhir_response(resource, status, headers)


def searchset(
    base: str,
    resource: str,
    query: list[tuple[str, str]],
    criteria: Criteria,
    total: int,
    entries: list[dict[str, Any]],
) -> dict[str, Any]:
    """A searchset Bundle of one page, with ``self``, ``first``, ``previous`` and ``next`` links; the page is
    ``_offset``/``_count`` (the links carry them, as servers' paging links do)."""

    def link(relation: str, offset: int) -> dict[str, str]:
        kept = [(k, v) for k, v in query if k not in ("_count", "_offset")]
        params = [*kept, ("_count", str(criteria.count)), ("_offset", str(offset))]
        return {"relation": relation, "url": f"{base}/{resource}?{urlencode(params)}"}

    links = [link("self", criteria.offset), link("first", 0)]
    if criteria.offset > 0:
        links.append(link("previous", max(0, criteria.offset - criteria.count)))
    if criteria.count and criteria.offset + criteria.count < total:
        links.append(link("next", criteria.offset + criteria.count))
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}
    items = [
        {"fullUrl": f"{base}/{e['resourceType']}/{e['id']}", "resource": e, "search": {"mode": "match"}}
        for e in entries
    ]
    # Each resource was validated by its own model as it was built: the Bundle is checked with one entry
    # (its shape), not with every resource a second time.
    validated(Bundle, {**bundle, "entry": items[:1]} if items else bundle)
    if items:
        bundle["entry"] = items
    return bundle
