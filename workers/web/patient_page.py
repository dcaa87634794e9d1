"""The patient's page, its full event log, and the coordinator's and physicians' answers on it (issue 26).

A plain view reads the read model alone (discharge/readmodel/patient.py): the newest pathway of the patient
key, who may see it decided from that row (workers/web/access.py), no query to Temporal but the identity's,
for the roles that may see it. The pathway's own story (its ``log``, with the notes and reasons people typed)
is what only the pathway knows: one ``state`` query at ``/patients/{key}/story``, made only when someone opens
it, logged as a look at the pathway. Decisions and acknowledgements are the workflow's updates; what they
changed is written to the read model at once, so the person who acted sees it on the next page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from discharge.i18n import gettext as _
from discharge.principal import Principal
from discharge.readmodel.patient import PatientPage
from events.identity import is_patient_key, workflow_id_for
from workers.web import access, csrf, data, identities
from workers.web.context import Web, principal_of, web_of
from workers.web.inbox_page import forget_rendered_inboxes
from workers.web.pages import _forbidden, _not_yours, _unavailable
from workers.web.present import decided_text
from workers.web.problems import problems_from
from workflows.api import LogEntry


def without_free_text(entry: LogEntry) -> LogEntry:
    """A decision's line without its typed reason ("extended by 7 days: <reason>" -> "extended by 7 days")."""
    if entry.kind != "decision":
        return entry
    what = entry.summary.split(":", 1)[0]
    return entry.model_copy(update={"summary": f"{what} (the reason is not shown to ops)"})


async def _page_of(
    web: Web, principal: Principal, key: str, request: Request, action: str
) -> PatientPage | None:
    """The patient's page if the person may see it; a refusal is logged, and looks like "no such patient"."""
    if not is_patient_key(key):
        return None
    timeout = web.settings.discharge_delivery_receipt_timeout
    page = await data.patient_page(web.readmodel, key, timeout or None)
    if page is None or not access.may_see_patient(principal, page):
        web.record(principal, action, key, "not among theirs", request=request, result="refused")
        return None
    return page


async def _patient(request: Request, **extra: Any) -> Response:
    web, principal = web_of(request), principal_of(request)
    key = request.path_params["key"]
    page = await _page_of(web, principal, key, request, "view_pathway")
    if page is None:
        return _not_yours(web, request)
    # Every role's look at a pathway's clinical detail is logged (ops too), before the page is answered.
    web.record(principal, "view_pathway", key, request=request)
    identity = None
    if access.may_see_identity(principal):
        try:
            identity = await identities.identity_of(
                key, lambda: data.read_identity(web.temporal, workflow_id_for(key))
            )
        except data.NoAnswer:
            identity = None
        if identity is not None:
            web.record(principal, "view_identity", key, request=request)
    return web.render(
        request,
        "patient.html",
        view=page,
        key=key,
        identity=identity,
        flash=request.session.pop("flash", None),
        problems=problems_from(page.escalations),
        freshness=page.freshness,
        **extra,
    )


async def patient_page(request: Request) -> Response:
    return await _patient(request)


async def story_page(request: Request) -> Response:
    """The pathway's full story as it applied it: the one query to the pathway, when someone asks for it."""
    web, principal = web_of(request), principal_of(request)
    key = request.path_params["key"]
    if await _page_of(web, principal, key, request, "view_story") is None:
        return _not_yours(web, request)
    try:
        view = await data.read_state(web.temporal, workflow_id_for(key))
    except data.NoPathway:
        web.record(principal, "view_story", key, "no such pathway", request=request, result="refused")
        return _not_yours(web, request)
    except data.NoAnswer as problem:
        web.record(principal, "view_story", key, str(problem), request=request, result="refused")
        return _unavailable(web, request, problem)
    web.record(principal, "view_story", key, request=request)
    # In clinical time: an event at the time it happened, the rest when they were done.
    timeline = sorted(
        (entry for entry in view.log if entry.kind != "outbound"),
        key=lambda entry: entry.occurred_at or entry.at,
    )
    if not access.may_read_free_text(principal):
        timeline = [without_free_text(entry) for entry in timeline]
    return web.render(request, "story.html", view=view, key=key, timeline=timeline)


def _days(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text  # sent as typed: the workflow's validator says what is wrong with it


async def _checked_post(
    request: Request, allowed: Callable[[Principal], bool], refusal: str
) -> tuple[Web, Principal, str, FormData] | Response:
    """A patient's form, checked in the same order for every action: CSRF, role, then the key's form."""
    web, principal = web_of(request), principal_of(request)
    key = request.path_params["key"]
    try:
        form = await csrf.checked_form(request)
    except csrf.CsrfRefused as refused:
        return _forbidden(web, request, str(refused))
    if not allowed(principal):
        return _forbidden(web, request, refusal)
    if not is_patient_key(key):
        return _not_yours(web, request)
    return web, principal, key, form


async def decide(request: Request) -> Response:
    checked = await _checked_post(
        request, access.may_decide, _("only a coordinator decides extension reviews")
    )
    if isinstance(checked, Response):
        return checked
    web, principal, key, form = checked
    choice = str(form.get("decision", ""))
    decision: dict[str, Any] = {
        "decision": choice,
        "reason": str(form.get("reason", "")).strip(),
        # Who decides is the signed-in person, never a typed HSA-id; the web page sends it for them.
        "decided_by": principal.hsa_id,
        "actor": {"process": "web", "person": principal.hsa_id, "role": principal.role},
    }
    if choice == "extend":
        decision["extend_days"] = _days(str(form.get("extend_days", "")).strip())
    try:
        result = await data.decide(web.temporal, key, decision)
    except (data.Refused, data.NoAnswer) as problem:
        web.record(principal, "decide_refused", key, f"{choice}: refused", request=request, result="refused")
        return await _patient(request, refusal=str(problem), form=dict(form))
    detail = f"extend {decision.get('extend_days')} days" if choice == "extend" else "handover"
    web.record(principal, "decide", key, detail, request=request)
    pathway = await data.current_pathway_key(web.readmodel, key)
    if pathway is not None:
        await data.remember_decision(web.readmodel, pathway, result, datetime.now(UTC))
    request.session["flash"] = decided_text(result, decision.get("extend_days"))
    return RedirectResponse(f"/patients/{key}", status_code=303)


async def acknowledge(request: Request) -> Response:
    """The workflow's update decides (its validator is the one home of the rules); no ``state`` query."""
    checked = await _checked_post(
        request, access.may_acknowledge, _("your role does not acknowledge escalations")
    )
    if isinstance(checked, Response):
        return checked
    web, principal, key, form = checked
    page = await _page_of(web, principal, key, request, "acknowledge")
    if page is None:
        return _not_yours(web, request)
    acknowledgement = {
        "escalation": int(request.path_params["index"]),
        "note": str(form.get("note", "")).strip(),
        "acknowledged_by": principal.hsa_id,
        "name": principal.name,
        "actor": {"process": "web", "person": principal.hsa_id, "role": principal.role},
    }
    back = safe_back(str(form.get("back", "")), key)
    try:
        record = await data.acknowledge(web.temporal, key, acknowledgement)
    except (data.Refused, data.NoAnswer) as problem:
        return await _patient(request, ack_refusal=str(problem), ack_index=acknowledgement["escalation"])
    # The inbox and this page read acknowledgements from the read model: written at once (read-your-writes).
    await data.remember_acknowledgements(web.readmodel, page.pathway_key, [record])
    forget_rendered_inboxes()
    web.record(principal, "acknowledge", key, f"escalation {acknowledgement['escalation']}", request=request)
    request.session["flash"] = _("Escalation acknowledged")
    return RedirectResponse(back, status_code=303)


def safe_back(target: str, key: str) -> str:
    return "/" if target == "/" else f"/patients/{key}"


ROUTES = [
    Route("/patients/{key}", patient_page, methods=["GET"]),
    Route("/patients/{key}/story", story_page, methods=["GET"]),
    Route("/patients/{key}/decide", decide, methods=["POST"]),
    Route("/patients/{key}/escalations/{index:int}/acknowledge", acknowledge, methods=["POST"]),
]
