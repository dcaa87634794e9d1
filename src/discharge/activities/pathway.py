"""The pathway's activities: load the policy, look up the listed VC, publish outbound events."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from temporalio import activity

from discharge.events.outbound import OutboundEvent, OutboundPublisher
from discharge.settings import Settings
from discharge.workflows.policy import Policy


@cache
def _registry() -> dict[str, object]:
    text = resources.files("discharge.data").joinpath("listing_registry.json").read_text("utf-8")
    document: dict[str, object] = json.loads(text)
    return document


def listed_vardcentral(canonical_identity: str) -> str:
    """The listed VC from the embedded synthetic registry, else its documented default."""
    registry = _registry()
    patients = registry["patients"]
    assert isinstance(patients, dict)
    return str(patients.get(canonical_identity, registry["default"]))


class PathwayActivities:
    """Bound to the worker's settings and publisher; registered as ``activities=[...methods]``."""

    def __init__(self, settings: Settings, publisher: OutboundPublisher) -> None:
        self._settings = settings
        self._publisher = publisher

    @activity.defn(name="load_policy")
    async def load_policy(self) -> Policy:
        return Policy.from_settings(self._settings)

    @activity.defn(name="lookup_listing")
    async def lookup_listing(self, canonical_identity: str) -> str:
        return listed_vardcentral(canonical_identity)

    @activity.defn(name="publish_outbound")
    async def publish_outbound(self, event: OutboundEvent) -> None:
        # The id is fixed by the workflow, so a retry publishes the same message (JetStream dedup).
        await self._publisher.publish(event)

    def all(self) -> list[Callable[..., Any]]:
        return [self.load_policy, self.lookup_listing, self.publish_outbound]
