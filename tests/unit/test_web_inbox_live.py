"""The inbox's live part is rendered once per scope, filter and language in a second and shared by every tab
that refreshes meanwhile (issue 26: its rendering was most of an inbox view's CPU); an acknowledgement makes
the next refresh render afresh, so the person who acknowledged sees it."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.requests import Request

from discharge.principal import Principal
from workers.web import inbox_page
from workers.web.context import make_templates
from workers.web.data import Inbox

COORDINATOR = Principal(hsa_id="SE2321000131-E000000000300", name="K", role="coordinator")
VC = Principal(hsa_id="SE2321000131-E000000000301", name="V", role="vc", unit="SE2321000131-E000000000101")


def request_of(web: Any, principal: Principal) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(web=web))
    scope = {
        "type": "http",
        "app": app,
        "query_string": b"",
        "headers": [],
        "state": {"principal": principal},
    }
    return Request(scope)


async def test_tabs_of_one_scope_share_one_rendering_until_an_acknowledgement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[str] = []

    async def values(request: Request) -> dict[str, Any]:
        reads.append(request.state.principal.role)
        return {"inbox": Inbox([], [], []), "vc": None, "now": datetime.now(UTC)}

    monkeypatch.setattr(inbox_page, "_inbox_values", values)
    inbox_page.forget_rendered_inboxes()
    web = SimpleNamespace(templates=make_templates())
    first = await inbox_page.inbox_live(request_of(web, COORDINATOR))
    second = await inbox_page.inbox_live(request_of(web, COORDINATOR))
    assert first.body == second.body and b"esc-h" in first.body
    await inbox_page.inbox_live(request_of(web, VC))  # another scope: its own
    assert reads == ["coordinator", "vc"]
    inbox_page.forget_rendered_inboxes()
    await inbox_page.inbox_live(request_of(web, COORDINATOR))
    assert reads == ["coordinator", "vc", "coordinator"]
