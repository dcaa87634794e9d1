"""The pathway's workflow tests run on the time-skipping server with the contract's search attributes."""

from __future__ import annotations

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.testing import WorkflowEnvironment

from workflows.names import SEARCH_ATTRIBUTES


async def register_search_attributes(env: WorkflowEnvironment) -> None:
    """Declare the contract's custom search attributes on a time-skipping server.

    The Java test server refuses undeclared custom search attributes, like a real cluster does, so
    the workflow's upserts are checked against the contract's names and types here too.
    """
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(SearchAttributeIndexedValueType(key.indexed_value_type))
                for key in SEARCH_ATTRIBUTES
            },
        )
    )


@pytest.fixture(scope="session")
async def pathway_env(time_skipping_env: WorkflowEnvironment) -> WorkflowEnvironment:
    """The session's time-skipping server, with the custom search attributes registered."""
    await register_search_attributes(time_skipping_env)
    return time_skipping_env
