"""The pages: pathways, audit, and the answers every page shares (the inbox: inbox_page.py; the patient's
page, its decisions and acknowledgements: patient_page.py)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from discharge.audit_chain import checked_chain
from discharge.i18n import N_, gettext as _
from workers.web import access, csrf, data, paging
from workers.web.context import Web, principal_of, web_of
from workers.web.inbox_page import inbox_live, inbox_page
from workers.web.search import SearchRefused, build_search

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
    Route("/pathways", pathways_page, methods=["GET"]),
    Route("/pathways", pathways_search, methods=["POST"]),
    Route("/audit", audit_page, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
]
