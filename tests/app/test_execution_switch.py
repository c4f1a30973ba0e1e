"""``SZ_GRAPHQL_EXECUTION_PLANS``: the operator's switch between the plans and graphql-core."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.execution import PlannedExecutor
from app.graphql import build_schema
from app.main import create_app
from app.resources import Resources
from app.settings import Settings
from demo.data.departments import DEPARTMENTS as DEPARTMENTS_DATA
from demo.providers import demo_providers
from directory.repository import DepartmentRepository
from tests.conftest import graphql

DEPARTMENTS = """
query { departments(first: 3) { edges { node { code name { zh en } kind } }
  pageInfo { hasNextPage } } nope: department(code: "none") { code } }
"""


def test_the_switch_chooses_the_executor() -> None:
    # given/when the schema is built with and without plans
    planned, generic = build_schema(), build_schema(plans=False)
    # then each runs on its executor
    assert planned.execution_context_class is PlannedExecutor
    assert generic.execution_context_class is StrawberryGraphQLCoreExecutionContext


async def test_plans_off_answers_exactly_as_plans_on(
    settings: Settings, app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the demo's departments, and a query answered by the app with plans
    resources: Resources = app.state.resources
    await DepartmentRepository(resources.database).upsert_many(DEPARTMENTS_DATA)
    planned = await graphql(client, DEPARTMENTS)
    # when an app with SZ_GRAPHQL_EXECUTION_PLANS=false answers it
    app = create_app(
        settings.model_copy(update={"graphql_execution_plans": False}), providers=demo_providers
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as other:
            generic: dict[str, Any] = await graphql(other, DEPARTMENTS)
    # then both answers are the same, and not empty
    assert generic == planned
    assert len(planned["data"]["departments"]["edges"]) == 3
