"""Consent-scoped prefill through ``/graphql``, on the real servers and the seeded demo data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from demo.data.catalogue import (
    CONTRIBUTION_CERTIFICATE,
    FUND_WITHDRAWAL,
    MORTGAGE,
    UTILITY_TRANSFER,
)
from demo.data.people import LIU_JIANJUN, LUO_HAITAO
from demo.providers import DemoExchange
from demo.seed import seed
from liferecord.models import Section
from liferecord.services.prefill import declare
from tests.conftest import graphql
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.identity.verification_factories import resources_of
from tests.liferecord.documents import verified_caller

PREFILL = """
query ($itemCode: String!) {
  prefill(itemCode: $itemCode) {
    __typename
    ... on Prefill {
      itemCode itemName { zh en }
      fields { key label { zh en } value source asOf verified stale }
      missing
    }
    ... on UserError { code message messageEn field }
    ... on StepUpRequired { requiredLevel currentLevel }
    ... on AuthenticationRequired { reason }
  }
}
"""

WITHDRAWAL = FUND_WITHDRAWAL
WITHDRAWAL_KEYS = [f.prefill_key for f in WITHDRAWAL.form_fields if f.prefill_key is not None]
# The four items the prefill demo started with, now items of the seeded catalogue.
PREFILLED = {
    item.code: [f.prefill_key for f in item.form_fields if f.prefill_key is not None]
    for item in (FUND_WITHDRAWAL, CONTRIBUTION_CERTIFICATE, MORTGAGE, UTILITY_TRANSFER)
}


async def _prefill(
    client: httpx.AsyncClient, caller: SignedInCaller, item_code: str
) -> dict[str, Any]:
    body = await as_caller(client, caller, PREFILL, {"itemCode": item_code})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["prefill"]
    return result


async def _exchange_payload(app: FastAPI, section: Section) -> dict[str, Any]:
    """What the department published about Liu Jianjun (the test's source of truth)."""
    record = await DemoExchange.over(resources_of(app).database).department_records.get(
        section.value, LIU_JIANJUN.id_number
    )
    assert record is not None
    payload: dict[str, Any] = record.payload
    return payload


async def _cached_sections(app: FastAPI, caller: SignedInCaller) -> set[str]:
    """The sections of the caller's record in the Redis cache (i.e. the ones read)."""
    resources = resources_of(app)
    pattern = f"{resources.settings.redis_key_prefix}lr:{caller.account_id}:*"
    keys = [key async for key in resources.redis.scan_iter(match=pattern)]
    return {bytes(key).decode().rsplit(":", 1)[1] for key in keys}


async def test_prefill_returns_only_the_declared_fields_with_their_provenance(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Liu Jianjun has a household, a provident fund account and a property
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    fund = await _exchange_payload(app, Section.PROVIDENT_FUND)
    household = await _exchange_payload(app, Section.HOUSEHOLD)
    home = (await _exchange_payload(app, Section.PROPERTIES))["items"][0]
    # when
    result = await _prefill(client, liu, "430200-gjj-tq-001")
    # then: exactly the item's fields, in its order, each with the value's provenance
    assert result["__typename"] == "Prefill", result
    assert result["itemCode"] == WITHDRAWAL.code
    assert result["itemName"] == {"zh": "住房公积金提取", "en": "Housing provident fund withdrawal"}
    assert [field["key"] for field in result["fields"]] == WITHDRAWAL_KEYS
    assert result["missing"] == []
    by_key = {field["key"]: field for field in result["fields"]}
    assert by_key["household.name"]["value"] == LIU_JIANJUN.name
    assert by_key["household.householdAddress"]["value"] == household["household_address_zh"]
    assert by_key["household.name"]["label"] == {"zh": "姓名", "en": "Name"}
    assert by_key["providentFund.accountNumberMasked"]["value"] == fund["account_number_masked"]
    assert by_key["providentFund.balance"]["value"] == str(fund["balance"])
    assert by_key["properties.items[0].certificateNumber"]["value"] == home["certificate_number"]
    provenance_of = {
        "household.name": household["provenance"],
        "providentFund.balance": fund["provenance"],
        "properties.items[0].certificateNumber": home["provenance"],
    }
    for key, provenance in provenance_of.items():
        field = by_key[key]
        assert field["source"] == provenance["source"], key
        assert field["verified"] is provenance["verified"] is True, key
        assert field["asOf"][:19] == provenance["as_of"][:19], key
        assert field["stale"] is False
    assert by_key["providentFund.balance"]["source"] == "430200-GJJ"
    # data minimisation: nothing the item did not declare, not even from the sections read
    for undeclared in (fund["employer"], str(fund["monthly_deposit"]), household["gender"]):
        assert undeclared not in {field["value"] for field in result["fields"]}
    # and only the sections holding declared fields were read
    assert await _cached_sections(app, liu) == {"household", "provident_fund", "properties"}


async def test_an_unknown_item_code_is_invalid_input_and_reads_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    # when
    result = await _prefill(client, liu, "430200-XX-NO-999")
    # then
    assert result["__typename"] == "InvalidInput", result
    assert (result["code"], result["field"]) == ("INVALID_INPUT", "itemCode")
    assert await _cached_sections(app, liu) == set()


async def test_fields_of_an_unavailable_section_are_missing_and_the_rest_is_filled(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: the provident fund centre publishes data that fails validation
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    await (
        resources_of(app)
        .database["exchange_provident_fund"]
        .update_one(
            {"_id": LIU_JIANJUN.id_number}, {"$set": {"payload": {"balance": "not a number"}}}
        )
    )
    # when
    result = await _prefill(client, liu, WITHDRAWAL.code)
    # then
    assert result["__typename"] == "Prefill", result
    assert result["missing"] == ["providentFund.accountNumberMasked", "providentFund.balance"]
    assert [field["key"] for field in result["fields"]] == [
        "household.name",
        "household.householdAddress",
        "properties.items[0].certificateNumber",
    ]


async def test_fields_the_record_does_not_hold_are_missing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: the natural resources bureau has no property registered to Liu
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    await (
        resources_of(app).database["exchange_properties"].delete_one({"_id": LIU_JIANJUN.id_number})
    )
    # when
    result = await _prefill(client, liu, "430200-ZRZY-DY-003")
    # then
    assert result["__typename"] == "Prefill", result
    assert [field["key"] for field in result["fields"]] == ["household.name"]
    assert result["missing"] == [
        "properties.items[0].certificateNumber",
        "properties.items[0].address",
        "properties.items[0].areaM2",
    ]


async def test_prefill_needs_a_verified_real_name(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    await seed(resources_of(app))
    unverified = await sign_in(client, app)
    # when
    as_unverified = await _prefill(client, unverified, WITHDRAWAL.code)
    anonymous = await graphql(client, PREFILL, {"itemCode": WITHDRAWAL.code})
    # then
    assert as_unverified["__typename"] == "StepUpRequired", as_unverified
    assert as_unverified["requiredLevel"] == "REAL_NAME"
    assert anonymous["data"]["prefill"]["__typename"] == "AuthenticationRequired", anonymous


@pytest.mark.parametrize(
    "key",
    [
        "providentFund.noSuchField",
        "properties.items",  # a list, not one value
        "properties.items[0]",  # an object, not one value
        "household.provenance.source",  # provenance is metadata, never a field
        "wallet.items[0].number",  # no such section
    ],
)
def test_the_catalogue_refuses_to_declare_a_field_that_is_not_one_value(key: str) -> None:
    # when / then
    with pytest.raises(ValueError, match=r"."):
        declare(key, "字段", "Field")


@pytest.mark.parametrize("item_code", sorted(PREFILLED))
async def test_every_demo_item_is_filled_completely_for_a_citizen_with_a_full_record(
    app: FastAPI, client: httpx.AsyncClient, item_code: str
) -> None:
    # given: Luo Haitao is employed, insured, owns homes and has utility accounts
    await seed(resources_of(app))
    luo = await verified_caller(client, app, LUO_HAITAO)
    declared = PREFILLED[item_code]
    # when
    result = await _prefill(client, luo, item_code)
    # then
    assert result["__typename"] == "Prefill", result
    assert result["missing"] == []
    assert [field["key"] for field in result["fields"]] == declared
    assert all(field["value"] and field["source"] for field in result["fields"])
