"""The catalogue through ``/graphql`` on the real servers: search, paging, lookups, bundles.

Nobody signs in here: the catalogue is open to anyone.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from demo.data.catalogue import BUNDLES, ITEMS
from demo.data.departments import DEPARTMENTS
from demo.seed import seed
from liferecord.services.prefill import prefillable
from tests.conftest import graphql
from tests.identity.verification_factories import resources_of

SEARCH = """
query ($search: String, $first: Int!, $after: String) {
  serviceItems(search: $search, first: $first, after: $after) {
    edges { cursor node { code name { zh en } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

ITEM = """
query ($code: String!) {
  serviceItem(code: $code) {
    code name { zh en } departmentCode department { code name { zh } }
    legalLimitDays committedLimitDays steps free needsAssuranceLevel3
    enterpriseAgentsMayApply agentScope
    fees { amount description { zh en } }
    materials { key name { zh en } formats maxBytes eLicenceType }
    formFields { key label { zh en } schema required prefillKey }
    formSchema
  }
}
"""

BUNDLE = """
query ($code: String!) {
  bundle(code: $code) {
    code name { zh en } timeLimitDays steps
    items { code department { code } }
    form { key required itemCodes }
    materials { material { key } itemCodes }
    formSchema
    savings { steps materials days stepsPercent materialsPercent daysPercent
              stepsAlone materialsAlone daysAlone }
  }
}
"""


async def _codes(client: httpx.AsyncClient, search: str | None, first: int = 50) -> list[str]:
    body = await graphql(client, SEARCH, {"search": search, "first": first})
    assert "errors" not in body, body
    return [edge["node"]["code"] for edge in body["data"]["serviceItems"]["edges"]]


@pytest.fixture
async def seeded(app: FastAPI) -> FastAPI:
    """The app with the demo catalogue (and directory) seeded."""
    await seed(resources_of(app))
    return app


async def test_search_matches_chinese_names(seeded: FastAPI, client: httpx.AsyncClient) -> None:
    assert await _codes(client, "餐饮") == ["430200-SCJG-002"]
    assert await _codes(client, "公积金") == ["430200-GJJ-TQ-001"]


async def test_search_matches_english_words_in_any_case_and_order(
    seeded: FastAPI, client: httpx.AsyncClient
) -> None:
    assert await _codes(client, "WATER") == ["430200-SDQ-GH-004", "430200-WATER-001"]
    assert await _codes(client, "retail drug") == ["430200-SCJG-003"]
    assert await _codes(client, "  Drug   RETAIL ") == ["430200-SCJG-003"]
    assert await _codes(client, "no such thing") == []


async def test_search_text_is_matched_literally_not_as_a_pattern(
    seeded: FastAPI, client: httpx.AsyncClient
) -> None:
    assert await _codes(client, ".*") == []
    assert await _codes(client, "wat.r") == []
    # "(" is literal: only names holding a parenthesis
    assert await _codes(client, "(business") == ["430200-SCJG-001"]


async def test_pages_walk_every_item_once_in_code_order(
    seeded: FastAPI, client: httpx.AsyncClient
) -> None:
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        body = await graphql(client, SEARCH, {"first": 10, "after": after})
        connection = body["data"]["serviceItems"]
        seen += [edge["node"]["code"] for edge in connection["edges"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == sorted(item.code for item in ITEMS)
    assert pages == 3  # 24 items: 10, 10, 4


async def test_search_results_page_too(seeded: FastAPI, client: httpx.AsyncClient) -> None:
    licences = await _codes(client, "licence")
    first = await graphql(client, SEARCH, {"search": "licence", "first": 2})
    connection = first["data"]["serviceItems"]
    rest = await graphql(
        client,
        SEARCH,
        {"search": "licence", "first": 50, "after": connection["pageInfo"]["endCursor"]},
    )
    codes = [e["node"]["code"] for e in connection["edges"]] + [
        e["node"]["code"] for e in rest["data"]["serviceItems"]["edges"]
    ]
    assert codes == licences
    assert len(licences) == 4  # business, food business, drug retail, food production


@pytest.mark.parametrize("first", [0, -1, 51])
async def test_a_page_size_out_of_bounds_is_a_typed_error(
    seeded: FastAPI, client: httpx.AsyncClient, first: int
) -> None:
    body = await graphql(client, SEARCH, {"first": first})
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "INVALID_PAGE_SIZE", "field": "first"}
    assert "between 1 and 50" in error["message"]


async def test_a_search_too_long_or_a_foreign_cursor_is_a_typed_error(
    seeded: FastAPI, client: httpx.AsyncClient
) -> None:
    body = await graphql(client, SEARCH, {"first": 5, "search": "税" * 101})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "SEARCH_TOO_LONG", "field": "search"}
    body = await graphql(client, SEARCH, {"first": 5, "after": "b3RoZXI6eA"})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "INVALID_CURSOR", "field": "after"}


async def test_an_item_reads_in_full_without_signing_in(
    seeded: FastAPI, client: httpx.AsyncClient
) -> None:
    body = await graphql(client, ITEM, {"code": " 430200-zrzy-001 "})
    item: dict[str, Any] = body["data"]["serviceItem"]
    assert item["code"] == "430200-ZRZY-001"
    assert item["department"]["code"] == "430200-ZRZY"
    assert (item["legalLimitDays"], item["committedLimitDays"]) == (30, 5)
    assert item["free"] is False
    assert item["fees"][0]["amount"] == "80.00"
    assert item["needsAssuranceLevel3"] is True
    assert item["enterpriseAgentsMayApply"] is False
    assert item["agentScope"] is None
    id_card = item["materials"][0]
    assert id_card["key"] == "id-card"
    assert id_card["eLicenceType"] == "resident_id"
    assert id_card["maxBytes"] == 5 * 1024 * 1024
    assert id_card["formats"] == ["image/jpeg", "image/png"]
    schema = item["formSchema"]
    assert schema["type"] == "object"
    assert list(schema["properties"]) == [field["key"] for field in item["formFields"]]
    assert schema["properties"]["applicant.idNumber"]["pattern"] == r"^\d{17}[\dX]$"
    assert item["formFields"][0]["prefillKey"] == "household.name"


async def test_an_agent_item_names_its_scope(seeded: FastAPI, client: httpx.AsyncClient) -> None:
    body = await graphql(client, ITEM, {"code": "430200-SCJG-001"})
    item = body["data"]["serviceItem"]
    assert item["enterpriseAgentsMayApply"] is True
    assert item["agentScope"] == "applications:submit"
    assert item["free"] is True
    assert item["fees"] == []


async def test_unknown_codes_are_null(seeded: FastAPI, client: httpx.AsyncClient) -> None:
    for code in ("430200-NONE-999", "", "x" * 500):
        body = await graphql(client, ITEM, {"code": code})
        assert body == {"data": {"serviceItem": None}}
        body = await graphql(client, BUNDLE, {"code": code})
        assert body == {"data": {"bundle": None}}


async def test_the_start_up_bundle_takes_three_days_and_shows_its_savings(
    seeded: FastAPI, client: httpx.AsyncClient
) -> None:
    body = await graphql(client, BUNDLE, {"code": "YJS-QYKB"})
    bundle = body["data"]["bundle"]
    assert [item["code"] for item in bundle["items"]] == [
        "430200-SCJG-001",
        "430200-GA-001",
        "430200-SW-001",
        "430200-RS-001",
    ]
    assert {item["department"]["code"] for item in bundle["items"]} == {
        "430200-SCJG",
        "430200-GA",
        "430200-SW",
        "430200-RS",
    }
    assert bundle["timeLimitDays"] == 3
    # 4 + 3 + 3 + 3 steps alone, the longest path (4) bundled; 3 + 2 + 3 + 2 materials alone,
    # 5 unique; 3 + 1 + 1 + 1 days alone, 3 bundled
    assert bundle["savings"] == {
        "steps": 9,
        "materials": 5,
        "days": 3,
        "stepsPercent": 69.2,
        "materialsPercent": 50.0,
        "daysPercent": 50.0,
        "stepsAlone": 13,
        "materialsAlone": 10,
        "daysAlone": 6,
    }
    assert [m["material"]["key"] for m in bundle["materials"]] == [
        "id-card",
        "articles-of-association",
        "site-proof",
        "business-licence",
        "bank-account",
    ]
    form = {field["key"]: field["itemCodes"] for field in bundle["form"]}
    assert len(form) == 9  # 7 + 5 + 6 + 6 fields alone
    assert form["enterprise.uscc"] == ["430200-GA-001", "430200-SW-001", "430200-RS-001"]
    assert list(bundle["formSchema"]["properties"]) == list(form)


async def test_every_seeded_bundle_is_listed_with_its_figures(
    seeded: FastAPI, client: httpx.AsyncClient
) -> None:
    body = await graphql(
        client, "{ bundles { code timeLimitDays items { code } savings { daysPercent } } }"
    )
    bundles = {bundle["code"]: bundle for bundle in body["data"]["bundles"]}
    assert list(bundles) == sorted(bundle.code for bundle in BUNDLES)
    assert bundles["YJS-SDQ"]["timeLimitDays"] == 33  # high voltage, the longest of 10, 7, 33
    assert bundles["YJS-TX"]["timeLimitDays"] == 10


def test_the_demo_catalogue_names_real_departments_and_prefill_fields() -> None:
    departments = {department.code for department in DEPARTMENTS}
    assert {item.department_code for item in ITEMS} <= departments
    keys = [f.prefill_key for item in ITEMS for f in item.form_fields if f.prefill_key]
    assert keys
    assert all(prefillable(key) for key in keys)
    codes = {item.code for item in ITEMS}
    assert len(codes) == len(ITEMS)
    assert all(set(bundle.item_codes) <= codes for bundle in BUNDLES)
    # each bundle joins items of several departments
    by_code = {item.code: item for item in ITEMS}
    for bundle in BUNDLES:
        assert len({by_code[code].department_code for code in bundle.item_codes}) > 1


def test_form_schemas_are_plain_json() -> None:
    for item in ITEMS:
        assert json.loads(json.dumps(item.form_schema)) == item.form_schema
