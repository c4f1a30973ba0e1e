"""The ``departments`` connection and ``department`` lookup."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.resources import Resources
from demo.data.departments import DEPARTMENTS
from directory.repository import DepartmentRepository
from tests.conftest import CommandCounter, graphql

DEPARTMENTS_PAGE = """
query Page($first: Int!, $after: String, $kind: DepartmentKind) {
  departments(first: $first, after: $after, kind: $kind) {
    edges { cursor node { code kind name { zh en } shortName { zh en }
                          contact { phone address { zh en } officeHours { zh } website } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

THREE_LOOKUPS = """
query {
  a: department(code: "430200-SCJG") { code name { zh } }
  b: department(code: "430200-GJJ") { code name { zh } }
  c: department(code: "no-such-code") { code }
}
"""


async def _seed_departments(app: FastAPI) -> None:
    resources: Resources = app.state.resources
    await DepartmentRepository(resources.database).upsert_many(DEPARTMENTS)


async def test_pages_walk_every_department_once_in_code_order(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _seed_departments(app)
    seen: list[str] = []
    after = None
    # when
    for _ in range(10):
        body = await graphql(client, DEPARTMENTS_PAGE, {"first": 4, "after": after})
        connection = body["data"]["departments"]
        seen += [edge["node"]["code"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    # then
    assert seen == sorted(d.code for d in DEPARTMENTS)


async def test_department_fields_carry_both_languages_and_contact(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await _seed_departments(app)
    body = await graphql(client, DEPARTMENTS_PAGE, {"first": 50, "kind": "PUBLIC_UTILITY"})
    nodes = [edge["node"] for edge in body["data"]["departments"]["edges"]]
    assert {node["code"] for node in nodes} == {"430200-WATER", "430200-POWER", "430200-GAS"}
    power = next(node for node in nodes if node["code"] == "430200-POWER")
    assert power["kind"] == "PUBLIC_UTILITY"
    assert power["name"]["zh"].startswith("国网株洲供电")
    assert power["name"]["en"].startswith("State Grid Zhuzhou")
    assert power["contact"]["phone"] == "95598"


async def test_page_size_outside_bounds_is_a_typed_error(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await _seed_departments(app)
    for first in (0, 51, -3):
        body = await graphql(client, DEPARTMENTS_PAGE, {"first": first})
        assert body["data"] is None
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "INVALID_PAGE_SIZE", "field": "first"}
        assert "between 1 and 50" in error["message"]


async def test_foreign_or_garbled_cursor_is_a_typed_error(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await _seed_departments(app)
    for cursor in ("not-base64!!", "b3RoZXI6eA", ""):
        body = await graphql(client, DEPARTMENTS_PAGE, {"first": 2, "after": cursor})
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "INVALID_CURSOR", "field": "after"}


async def test_lookups_in_one_request_are_batched_into_one_query(
    app: FastAPI, client: httpx.AsyncClient, command_counter: CommandCounter
) -> None:
    # given
    await _seed_departments(app)
    command_counter.reset()
    # when
    body = await graphql(client, THREE_LOOKUPS)
    # then
    assert body["data"]["a"]["code"] == "430200-SCJG"
    assert body["data"]["b"]["name"]["zh"] == "株洲市住房公积金管理中心"
    assert body["data"]["c"] is None
    assert command_counter.commands == ["find"]


async def test_a_page_costs_one_query_whatever_its_size(
    app: FastAPI, client: httpx.AsyncClient, command_counter: CommandCounter
) -> None:
    await _seed_departments(app)
    for first in (1, 14):
        command_counter.reset()
        await graphql(client, DEPARTMENTS_PAGE, {"first": first})
        assert command_counter.commands == ["find"]
