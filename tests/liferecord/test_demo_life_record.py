"""The full life record of a seeded demo citizen, through the demo exchange adapters and
the licence wallet."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from demo.data.people import LIU_JIANJUN, ZENG_ZIXUAN
from demo.seed import seed, seed_wallet
from tests.liferecord.documents import (
    SECTION_FIELDS,
    life_record,
    stored_binding_caller,
    verified_caller,
)

# Each section's owning department in the demo directory (provenance names them).
DEPARTMENTS = {
    "household": {"430200-GA"},
    # the wallet's licences: each names the department that issued it
    "licences": {"430200-GA", "430200-ZRZY", "430200-MZ", "430200-GJJ"},
    "socialInsurance": {"430200-RS"},
    "medicalInsurance": {"430200-YB"},
    "providentFund": {"430200-GJJ"},
    "properties": {"430200-ZRZY"},
    "utilities": {"430200-WATER", "430200-POWER", "430200-GAS"},
    "income": {"430200-SW"},
}


def _provenances(value: object) -> list[dict[str, object]]:
    if isinstance(value, dict):
        found = [value["provenance"]] if "provenance" in value else []
        return found + [p for v in value.values() for p in _provenances(v)]
    if isinstance(value, list):
        return [p for v in value for p in _provenances(v)]
    return []


async def test_a_seeded_citizen_sees_the_full_record_with_provenance(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the demo data with the wallet's licences, and Liu Jianjun verified
    await seed(app.state.resources)
    await seed_wallet(app.state.services)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    # when
    record = await life_record(client, caller)
    # then every section is there, fresh, with provenance naming a listed department
    assert record["__typename"] == "LifeRecord"
    for field in SECTION_FIELDS:
        section = record[field]
        assert section["__typename"].endswith("Section"), (field, section)
        assert (section["stale"], section["unavailable"]) == (False, None)
        provenances = _provenances(section)
        assert provenances, field
        for provenance in provenances:
            assert provenance["department"] is not None, provenance
            assert provenance["department"]["code"] == provenance["source"]  # type: ignore[index]
            if field in DEPARTMENTS:
                assert provenance["source"] in DEPARTMENTS[field], (field, provenance)
            assert provenance["verified"] is (field != "income")
    assert record["household"]["record"]["name"] == "刘建军"
    assert record["household"]["record"]["birthDate"] == "1984-05-12"
    assert record["socialInsurance"]["schemes"]
    assert record["income"]["months"]


async def test_a_child_without_jobs_has_empty_sections_not_errors(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a six-year-old's record (no job, no property, no provident fund)
    await seed(app.state.resources)
    caller = await stored_binding_caller(client, app, ZENG_ZIXUAN)
    # when
    record = await life_record(client, caller)
    # then
    assert record["household"]["record"]["name"] == "曾梓萱"
    assert record["providentFund"]["record"] is None
    assert record["properties"]["items"] == []
    assert record["income"]["months"] == []
    assert record["socialInsurance"]["schemes"] == []
    assert all(record[f]["__typename"].endswith("Section") for f in SECTION_FIELDS)
