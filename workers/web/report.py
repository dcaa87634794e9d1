"""The follow-up indicators as a page: the same self-contained report `discharge report` writes.

It reads the read model (``DISCHARGE_READMODEL_URL``, or the SQLite file of the data dir) in a thread, so a
slow database never blocks the page's other requests, and holds only aggregates and pseudonymous keys.
"""

from __future__ import annotations

import asyncio
from datetime import date

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from discharge.i18n import gettext as _
from discharge.readmodel.store import ReadModel
from discharge.report.build import report_html
from discharge.settings import Settings
from discharge.settings_policy import policy_from_settings
from discharge.units import load_unit_directory
from workers.web import access
from workers.web.context import principal_of, web_of


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None  # a malformed bound is no bound, as on the command line's defaults


def _render(settings: Settings, period_from: date | None, period_to: date | None) -> str:
    store = ReadModel.from_settings(settings).create()
    try:
        directory = load_unit_directory(settings.discharge_unit_directory)
        window = policy_from_settings(settings).readmission_window  # the region's, as `discharge report`
        return report_html(
            store,
            period_from=period_from,
            period_to=period_to,
            readmission_window=window,
            directory=directory,
        )
    finally:
        store.close()


async def report_page(request: Request) -> Response:
    web, principal = web_of(request), principal_of(request)
    if not access.may_read_report(principal):
        return web.render(
            request, "error.html", status_code=403, title=_("Not allowed"),
            message=_("the follow-up report is for coordinators and ops"),
        )  # fmt: skip
    period_from = _day(request.query_params.get("from"))
    period_to = _day(request.query_params.get("to"))
    html = await asyncio.to_thread(_render, web.settings, period_from, period_to)
    return HTMLResponse(html)


ROUTES = [Route("/report", report_page, methods=["GET"])]
