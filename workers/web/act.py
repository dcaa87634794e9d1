"""The physicians' actions from the patient page: one route, each action the contract's inbound event.

``POST /patients/{key}/actions/{action}`` (workers/web/actions.py names them): checked as every form is
(CSRF, the person's role, the key), the pathway must be one the person may see, the event is built for the
signed-in person and stored for the gateway as a door stores events (workers/web/send.py). Refused by the
pathway's rules or the gateway's validation: the patient page again, with the reason, nothing sent. Either
way the access log has the action, granted or refused, before the answer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from discharge.i18n import gettext as _
from events.identity import is_patient_key, workflow_id_for
from workers.web import csrf, data, send
from workers.web.actions import ACTIONS, ActionRefused, may_take, party_of, source_of
from workers.web.context import principal_of, web_of
from workers.web.pages import _forbidden, _not_yours, _unavailable
from workers.web.patient_page import _page_of, _patient


async def act(request: Request) -> Response:
    web, principal = web_of(request), principal_of(request)
    key = request.path_params["key"]
    action = ACTIONS.get(request.path_params["action"])
    try:
        form = await csrf.checked_form(request)
    except csrf.CsrfRefused as refused:
        return _forbidden(web, request, str(refused))
    if action is None or not may_take(principal, action):
        return _forbidden(web, request, _("your role does not take this action"))
    if not is_patient_key(key):
        return _not_yours(web, request)
    # Who may act on which patient: decided from the read model's row, as the page is (no `state` query).
    page = await _page_of(web, principal, key, request, action.name)
    if page is None:
        return _not_yours(web, request)
    try:
        identity = await data.read_identity(web.temporal, workflow_id_for(key))
    except data.NoPathway:
        return _not_yours(web, request)
    except data.NoAnswer as problem:
        return _unavailable(web, request, problem)
    now = datetime.now(UTC)
    try:
        if identity is None:
            raise data.Refused(_("the pathway has no patient identity yet"))
        outgoing = send.build_event(
            web.settings,
            source_of(principal, action),
            action.type,
            identity,
            action.data(principal, dict(form)),
            now,
        )
        if outgoing.patient_key != key:  # the identity is the pathway's own: a mismatch is a wrong secret
            raise data.Refused(_("the event would reach another pathway"))
        await send.send(web.temporal, await web.events(), outgoing)
    except (ActionRefused, data.Refused, data.NoAnswer) as problem:
        web.record(
            principal, action.name, key, f"{action.type}: {problem}", request=request, result="refused"
        )
        return await _patient(request, action_refusal=str(problem))
    web.record(principal, action.name, key, f"{action.type} {outgoing.ready.event.id}", request=request)
    # The pathway's `joint_planning_confirmed` reaches the read model a moment later: the page records what it
    # sent, so the sender's next page shows it (read-your-writes).
    if action.name == "confirm_planning":
        await data.remember_planning_confirmed(web.readmodel, page.pathway_key, party_of(principal), now)
    request.session["flash"] = _(action.done)
    return RedirectResponse(f"/patients/{key}", status_code=303)


ROUTES = [Route("/patients/{key}/actions/{action}", act, methods=["POST"])]
