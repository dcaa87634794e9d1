"""The pages: patient, decide, acknowledge, pathways, audit (the inbox: inbox_page.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from discharge.audit_chain import checked_chain
from discharge.i18n import N_, gettext as _
from discharge.principal import Principal
from discharge.readmodel.projection import pathway_key
from events.identity import is_patient_key, workflow_id_for
from workers.web import access, csrf, data, paging
from workers.web.context import Web, principal_of, web_of
from workers.web.inbox_page import forget_rendered_inboxes, inbox_live, inbox_page
from workers.web.present import decided_text
from workers.web.search import SearchRefused, build_search
from workflows.api import LogEntry

PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50


def _forbidden(web: Web, request: Request, message: str) -> Response:
    return web.render(request, "error.html", status_code=403, title=_("Not allowed"), message=message)


#: One answer for "no such pathway", "not among yours" and "not a patient_key": a page must never tell
#: whether someone is a patient elsewhere (an existence oracle).
NOT_YOURS = N_("no such patient among yours")


def _not_yours(web: Web, request: Request) -> Response:
    return web.render(request, "error.html", status_code=404, title=_("Not found"), message=_(NOT_YOURS))


def _unavailable(web: Web, request: Request, problem: data.NoAnswer) -> Response:
    return web.render(request, "error.html", status_code=503, title=_("Try again"), message=str(problem))


def without_free_text(entry: LogEntry) -> LogEntry:
    """A decision's line without its typed reason ("extended by 7 days: <reason>" -> "extended by 7 days")."""
    if entry.kind != "decision":
        return entry
    what = entry.summary.split(":", 1)[0]
    return entry.model_copy(update={"summary": f"{what} (the reason is not shown to ops)"})


# ---- patient --------------------------------------------------------------------------------------


async def _patient(request: Request, **extra: Any) -> Response:
    web, principal = web_of(request), principal_of(request)
    key = request.path_params["key"]
    if not is_patient_key(key):
        return _not_yours(web, request)
    try:
        view = await data.read_state(web.temporal, workflow_id_for(key))
    except data.NoPathway:
        return _not_yours(web, request)
    except data.NoAnswer as problem:
        web.record(principal, "view_pathway", key, str(problem), request=request, result="refused")
        return _unavailable(web, request, problem)
    if not access.may_see_patient(principal, view):
        web.record(principal, "view_pathway", key, "not among theirs", request=request, result="refused")
        return _not_yours(web, request)
    # Every role's look at a pathway's clinical detail is logged (ops too), before the page is answered.
    web.record(principal, "view_pathway", key, request=request)
    identity = None
    if access.may_see_identity(principal):
        try:
            identity = await data.read_identity(web.temporal, workflow_id_for(key))
        except data.NoAnswer:
            identity = None
        if identity is not None:
            web.record(principal, "view_identity", key, request=request)
    flash = request.session.pop("flash", None)
    # The story in clinical time: an event at the time it happened, the rest when they were done.
    timeline = sorted(
        (entry for entry in view.log if entry.kind != "outbound"),
        key=lambda entry: entry.occurred_at or entry.at,
    )
    if not access.may_read_free_text(principal):
        timeline = [without_free_text(entry) for entry in timeline]
    acks = {ack.escalation: ack for ack in view.acknowledgements}
    return web.render(
        request,
        "patient.html",
        view=view,
        key=key,
        identity=identity,
        flash=flash,
        timeline=timeline,
        acks=acks,
        **extra,
    )


async def patient_page(request: Request) -> Response:
    return await _patient(request)


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
    request.session["flash"] = decided_text(result, decision.get("extend_days"))
    return RedirectResponse(f"/patients/{key}", status_code=303)


async def acknowledge(request: Request) -> Response:
    checked = await _checked_post(
        request, access.may_acknowledge, _("your role does not acknowledge escalations")
    )
    if isinstance(checked, Response):
        return checked
    web, principal, key, form = checked
    try:
        view = await data.read_state(web.temporal, workflow_id_for(key))
    except data.NoPathway:
        return _not_yours(web, request)
    except data.NoAnswer as problem:
        return _unavailable(web, request, problem)
    if not access.may_see_patient(principal, view):
        return _not_yours(web, request)
    acknowledgement = {
        "escalation": int(request.path_params["index"]),
        "note": str(form.get("note", "")).strip(),
        "acknowledged_by": principal.hsa_id,
        "name": principal.name,
        "actor": {"process": "web", "person": principal.hsa_id, "role": principal.role},
    }
    back = safe_back(str(form.get("back", "")), key)
    # The inbox reads acknowledgements from the read model: any the workflow took before it read there are
    # copied first, so even a refused second acknowledgement leaves the inbox right (docs/coordinators.md).
    pathway = pathway_key(key, view.episode_id)
    await data.remember_acknowledgements(web.readmodel, pathway, view.acknowledgements)
    try:
        record = await data.acknowledge(web.temporal, key, acknowledgement)
    except (data.Refused, data.NoAnswer) as problem:
        return await _patient(request, ack_refusal=str(problem), ack_index=acknowledgement["escalation"])
    await data.remember_acknowledgements(web.readmodel, pathway, [record])
    forget_rendered_inboxes()
    web.record(principal, "acknowledge", key, f"escalation {acknowledgement['escalation']}", request=request)
    request.session["flash"] = _("Escalation acknowledged")
    return RedirectResponse(back, status_code=303)


def safe_back(target: str, key: str) -> str:
    return "/" if target == "/" else f"/patients/{key}"


# ---- pathways and audit ---------------------------------------------------------------------------


def _pathways_refused(web: Web, request: Request, problem: str) -> Response:
    return web.render(request, "pathways.html", page=None, q="", problem=problem, status_code=400)


async def _listing(request: Request, text: str, token: str | None, *, by_identity: bool) -> Response:
    """A search's first (or ``token``'s) page; an identity search writes its access-log line first."""
    web, principal = web_of(request), principal_of(request)
    secret = web.settings.discharge_patient_key_secret.get_secret_value()
    try:
        search = build_search(text, principal, secret, by_identity=by_identity)
    except SearchRefused as refused:
        return _pathways_refused(web, request, str(refused))
    session_secret = web.settings.discharge_session_secret.get_secret_value()
    try:
        raw = paging.next_page(token, search.binding, session_secret)
    except paging.PageRefused as refused:
        return _pathways_refused(web, request, str(refused))
    if search.patient_key is not None:
        web.record(principal, "search_identity", search.patient_key, request=request)
    page = await data.list_page(web.readmodel, principal, search.wanted, PAGE_SIZE, raw)
    # A personnummer is never put back into the page or its links: the box shows the patient_key instead.
    shown = search.patient_key if search.kind == "identity" else text.strip()
    next_token = paging.page_token(page.next_raw, search.binding, session_secret)
    return web.render(request, "pathways.html", page=page, next_token=next_token, q=shown, problem=None)


async def pathways_page(request: Request) -> Response:
    """A listing by link (GET): never by identity, so a link from another site cannot make a look-up."""
    return await _listing(
        request,
        request.query_params.get("q", ""),
        request.query_params.get("page") or None,
        by_identity=False,
    )


async def pathways_search(request: Request) -> Response:
    """The search form (POST with this session's CSRF token): the only way to search by identity."""
    web = web_of(request)
    try:
        form = await csrf.checked_form(request)
    except csrf.CsrfRefused as refused:
        return _forbidden(web, request, str(refused))
    return await _listing(request, str(form.get("q", "")), None, by_identity=True)


async def audit_page(request: Request) -> Response:
    web, principal = web_of(request), principal_of(request)
    if not access.may_read_audit(principal):
        return _forbidden(web, request, _("the audit log is for ops and coordinators"))
    try:
        offset = max(0, int(request.query_params.get("offset", "0")))
    except ValueError:
        offset = 0
    entries = web.audit.newest(AUDIT_PAGE_SIZE + 1, offset)
    chain = await asyncio.to_thread(checked_chain, web.audit.path)  # only the lines added since the last view
    return web.render(
        request,
        "audit.html",
        chain=chain,
        entries=entries[:AUDIT_PAGE_SIZE],
        offset=offset,
        more=len(entries) > AUDIT_PAGE_SIZE,
        page_size=AUDIT_PAGE_SIZE,
    )


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


ROUTES = [
    Route("/", inbox_page, methods=["GET"]),
    Route("/inbox/live", inbox_live, methods=["GET"]),
    Route("/patients/{key}", patient_page, methods=["GET"]),
    Route("/patients/{key}/decide", decide, methods=["POST"]),
    Route("/patients/{key}/escalations/{index:int}/acknowledge", acknowledge, methods=["POST"]),
    Route("/pathways", pathways_page, methods=["GET"]),
    Route("/pathways", pathways_search, methods=["POST"]),
    Route("/audit", audit_page, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
]
