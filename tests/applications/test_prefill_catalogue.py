"""The life record's prefill reads the applications catalogue (through the root's adapter)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from applications.models import FormField, ServiceItem
from applications.repositories.catalogue import CatalogueRepository
from demo.data.people import LUO_HAITAO
from demo.seed import seed
from kit.text import Localized
from tests.identity.factories import as_caller
from tests.identity.verification_factories import resources_of
from tests.liferecord.documents import verified_caller

PREFILL = """
query ($itemCode: String!) {
  prefill(itemCode: $itemCode) {
    __typename
    ... on Prefill { itemCode itemName { en } fields { key label { zh } value } missing }
    ... on UserError { code field }
  }
}
"""

NEW_ITEM = ServiceItem(
    code="430200-MZ-901",
    name=Localized("测试事项", "A test item"),
    department_code="430200-MZ",
    legal_limit_days=5,
    committed_limit_days=2,
    steps=2,
    materials=(),
    form_fields=(
        FormField(
            "applicant.name",
            Localized("申请人", "Applicant"),
            {"type": "string"},
            prefill_key="household.name",
        ),
        FormField("note", Localized("备注", "Note"), {"type": "string"}),
        FormField(
            "fund.balance",
            Localized("余额", "Balance"),
            {"type": "number"},
            prefill_key="providentFund.balance",
        ),
        # A key the life record does not hold: left to the citizen, never a crash.
        FormField(
            "x", Localized("未知", "Unknown"), {"type": "string"}, prefill_key="household.noSuch"
        ),
    ),
)


async def test_an_item_added_to_the_catalogue_is_prefilled_by_its_prefill_keys(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the demo data, and an item added to the catalogue afterwards
    await seed(resources_of(app))
    await CatalogueRepository(resources_of(app).database).upsert_items([NEW_ITEM])
    luo = await verified_caller(client, app, LUO_HAITAO)
    # when
    body = await as_caller(client, luo, PREFILL, {"itemCode": "430200-mz-901"})
    # then only its fields with a known prefill key are filled, labelled as the catalogue says
    prefill = body["data"]["prefill"]
    assert prefill["__typename"] == "Prefill", prefill
    assert prefill["itemCode"] == "430200-MZ-901"
    assert prefill["itemName"] == {"en": "A test item"}
    assert [(f["key"], f["label"]["zh"]) for f in prefill["fields"]] == [
        ("household.name", "申请人"),
        ("providentFund.balance", "余额"),
    ]
    assert all(f["value"] for f in prefill["fields"])
    assert prefill["missing"] == []


async def test_a_code_the_catalogue_lacks_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await seed(resources_of(app))
    luo = await verified_caller(client, app, LUO_HAITAO)
    body = await as_caller(client, luo, PREFILL, {"itemCode": "430200-MZ-901"})
    assert body["data"]["prefill"] == {
        "__typename": "InvalidInput",
        "code": "INVALID_INPUT",
        "field": "itemCode",
    }
