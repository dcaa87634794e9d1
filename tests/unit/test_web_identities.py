"""The patient page's identities kept in memory (workers/web/identities.py): one query per patient and few
minutes, none kept while the pathway knows none, and asked again once kept too long."""

from __future__ import annotations

import time

import pytest

from workers.web import identities

KEY = "pk_" + "a" * 32


async def test_an_identity_is_asked_once_then_again_after_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    identities.forget()
    asked: list[str] = []
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    async def read() -> str | None:
        asked.append(KEY)
        return "195001011234"

    assert await identities.identity_of(KEY, read) == "195001011234"
    assert await identities.identity_of(KEY, read) == "195001011234"
    assert len(asked) == 1
    clock[0] += identities.TTL
    assert await identities.identity_of(KEY, read) == "195001011234"
    assert len(asked) == 2


async def test_an_unknown_identity_is_not_kept() -> None:
    identities.forget()
    answers: list[str | None] = [None, "195001011234"]

    async def read() -> str | None:
        return answers.pop(0)

    assert await identities.identity_of(KEY, read) is None
    assert await identities.identity_of(KEY, read) == "195001011234"
