"""Disputes (``disputeRecord``, ``me.disputes``) through ``/graphql`` on the real servers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from demo.data.people import LIU_JIANJUN, ZHOU_TING
from demo.providers import DemoExchange
from demo.seed import seed
from kit.registry import ServiceRegistry
from liferecord.errors import DisputeNotFound
from liferecord.models import DisputeStatus
from liferecord.services.disputes import DISPUTES_PER_DAY, DisputeService
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.identity.verification_factories import resources_of
from tests.liferecord.documents import verified_caller

DISPUTE = """
mutation ($section: LifeRecordSection!, $field: String!, $reason: String!) {
  disputeRecord(section: $section, field: $field, reason: $reason) {
    __typename
    ... on DisputeOpened {
      dispute { id section field reason departmentCode department { code name { zh } }
        status createdAt updatedAt history { status at note } }
    }
    ... on UserError { code message messageEn field }
    ... on RateLimited { retryAfterSeconds }
    ... on StepUpRequired { requiredLevel currentLevel }
  }
}
"""

MY_DISPUTES = """
query ($first: Int, $after: String) {
  me {
    disputes(first: $first, after: $after) {
      __typename
      ... on RecordDisputeConnection {
        edges { cursor node { id section field reason departmentCode status
          history { status note } } }
        pageInfo { hasNextPage endCursor }
      }
      ... on StepUpRequired { requiredLevel }
    }
  }
}
"""

REASON = "余额少了上个月的缴存，请核对"


async def _dispute(
    client: httpx.AsyncClient,
    caller: SignedInCaller,
    section: str,
    field: str,
    reason: str = REASON,
) -> dict[str, Any]:
    variables = {"section": section, "field": field, "reason": reason}
    body = await as_caller(client, caller, DISPUTE, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["disputeRecord"]
    return result


async def _opened(
    client: httpx.AsyncClient, caller: SignedInCaller, section: str, field: str
) -> dict[str, Any]:
    result = await _dispute(client, caller, section, field)
    assert result["__typename"] == "DisputeOpened", result
    dispute: dict[str, Any] = result["dispute"]
    return dispute


async def _my_disputes(
    client: httpx.AsyncClient, caller: SignedInCaller, first: int = 20, after: str | None = None
) -> dict[str, Any]:
    body = await as_caller(client, caller, MY_DISPUTES, {"first": first, "after": after})
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["me"]["disputes"]
    assert page["__typename"] == "RecordDisputeConnection", page
    return page


async def _stored(app: FastAPI) -> list[dict[str, Any]]:
    return [doc async for doc in resources_of(app).database["record_disputes"].find()]


def _services(app: FastAPI) -> ServiceRegistry:
    services: ServiceRegistry = app.state.services
    return services


async def test_a_dispute_is_filed_with_the_owning_department_and_listed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    # when
    result = await _dispute(client, liu, "PROVIDENT_FUND", "balance", f"  {REASON}  ")
    # then
    assert result["__typename"] == "DisputeOpened", result
    dispute = result["dispute"]
    assert dispute["section"] == "PROVIDENT_FUND"
    assert dispute["field"] == "balance"
    assert dispute["reason"] == REASON
    assert dispute["departmentCode"] == "430200-GJJ"
    assert dispute["department"]["code"] == "430200-GJJ"
    assert "公积金" in dispute["department"]["name"]["zh"]
    assert dispute["status"] == "OPEN"
    assert [event["status"] for event in dispute["history"]] == ["OPEN"]
    page = await _my_disputes(client, liu)
    assert [edge["node"]["id"] for edge in page["edges"]] == [dispute["id"]]
    assert page["edges"][0]["node"]["departmentCode"] == "430200-GJJ"
    (stored,) = await _stored(app)
    assert stored["account_id"] == liu.account_id
    assert (stored["section"], stored["field"], stored["status"]) == (
        "provident_fund",
        "balance",
        "open",
    )
    assert LIU_JIANJUN.id_number not in repr(stored)


async def test_a_value_attested_by_another_department_is_disputed_there(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: the utilities section is the exchange's merged feed; each account's
    # provenance names its company
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    record = await DemoExchange.over(resources_of(app).database).department_records.get(
        "utilities", LIU_JIANJUN.id_number
    )
    assert record is not None
    company = record.payload["accounts"][0]["provenance"]["source"]
    assert company in {"430200-WATER", "430200-POWER", "430200-GAS"}
    # when
    dispute = await _opened(client, liu, "UTILITIES", "accounts[0].bills[0].amount")
    # then
    assert dispute["departmentCode"] == company


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("PROVIDENT_FUND", "noSuchField"),
        ("PROVIDENT_FUND", "certificateNumber"),  # a field of another section
        ("PROVIDENT_FUND", "balance[0]"),  # not a list
        ("PROPERTIES", "items.certificateNumber"),  # a list needs an index to go further
        ("PROPERTIES", "items[0].provenance.source"),  # provenance is not data to dispute
        ("PROPERTIES", "items[0].certificate_number"),  # the schema's spelling only
        ("HOUSEHOLD", ""),
        ("HOUSEHOLD", "name" + ".x" * 120),
    ],
)
async def test_a_field_the_section_does_not_have_is_invalid_and_nothing_is_filed(
    app: FastAPI, client: httpx.AsyncClient, section: str, field: str
) -> None:
    # given
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    # when
    result = await _dispute(client, liu, section, field)
    # then
    assert result["__typename"] == "InvalidInput", result
    assert (result["code"], result["field"]) == ("INVALID_INPUT", "field")
    assert await _stored(app) == []


@pytest.mark.parametrize(
    "reason", ["错了", "    错了    ", "错" * 501], ids=["short", "padded", "long"]
)
async def test_a_reason_of_the_wrong_length_is_invalid_and_nothing_is_filed(
    app: FastAPI, client: httpx.AsyncClient, reason: str
) -> None:
    # given
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    # when
    result = await _dispute(client, liu, "HOUSEHOLD", "name", reason)
    # then
    assert result["__typename"] == "InvalidInput", result
    assert (result["code"], result["field"]) == ("INVALID_INPUT", "reason")
    assert await _stored(app) == []


async def test_disputes_are_limited_per_day(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given: the day's allowance used up
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    for _ in range(DISPUTES_PER_DAY):
        await _opened(client, liu, "HOUSEHOLD", "name")
    # when
    result = await _dispute(client, liu, "HOUSEHOLD", "name")
    # then
    assert result["__typename"] == "RateLimited", result
    assert result["code"] == "RATE_LIMITED"
    assert 0 < result["retryAfterSeconds"] <= 24 * 3600
    assert len(await _stored(app)) == DISPUTES_PER_DAY


async def test_another_citizens_disputes_are_never_visible(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Liu has filed two disputes
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    zhou = await verified_caller(client, app, ZHOU_TING)
    await _opened(client, liu, "HOUSEHOLD", "name")
    await _opened(client, liu, "PROVIDENT_FUND", "balance")
    liu_page = await _my_disputes(client, liu, first=1)
    # when: Zhou lists hers, even with a cursor taken from Liu's list
    first_page = await _my_disputes(client, zhou)
    with_liu_cursor = await _my_disputes(client, zhou, after=liu_page["pageInfo"]["endCursor"])
    # then
    assert first_page["edges"] == [] == with_liu_cursor["edges"]
    assert len((await _my_disputes(client, liu))["edges"]) == 2


async def test_the_list_pages_newest_first(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    fields = ["name", "gender", "birthDate"]
    filed = [(await _opened(client, liu, "HOUSEHOLD", field))["id"] for field in fields]
    # when
    first = await _my_disputes(client, liu, first=2)
    rest = await _my_disputes(client, liu, first=2, after=first["pageInfo"]["endCursor"])
    # then
    assert [edge["node"]["id"] for edge in first["edges"]] == filed[::-1][:2]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [edge["node"]["id"] for edge in rest["edges"]] == filed[:1]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_the_departments_answer_shows_in_the_citizens_list(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    dispute = await _opened(client, liu, "PROVIDENT_FUND", "balance")
    disputes = _services(app).get(DisputeService)
    # when: the fund centre forwards it and resolves it
    await disputes.advance(
        dispute["id"], DisputeStatus.FORWARDED, department_code="430200-GJJ", note=None
    )
    await disputes.advance(
        dispute["id"], DisputeStatus.RESOLVED, department_code="430200-GJJ", note="已补记缴存"
    )
    # then
    (edge,) = (await _my_disputes(client, liu))["edges"]
    assert edge["node"]["status"] == "RESOLVED"
    assert edge["node"]["history"] == [
        {"status": "OPEN", "note": None},
        {"status": "FORWARDED", "note": None},
        {"status": "RESOLVED", "note": "已补记缴存"},
    ]


async def test_only_the_addressed_department_may_answer_and_closed_stays_closed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    dispute = await _opened(client, liu, "PROVIDENT_FUND", "balance")
    disputes = _services(app).get(DisputeService)
    # when / then: another department cannot touch it
    with pytest.raises(DisputeNotFound):
        await disputes.advance(
            dispute["id"], DisputeStatus.REJECTED, department_code="430200-SW", note=None
        )
    await disputes.advance(
        dispute["id"], DisputeStatus.REJECTED, department_code="430200-GJJ", note="数据无误"
    )
    # and a rejected dispute cannot be reopened or resolved
    for status in (DisputeStatus.FORWARDED, DisputeStatus.RESOLVED):
        with pytest.raises(DisputeNotFound):
            await disputes.advance(dispute["id"], status, department_code="430200-GJJ", note=None)
    (stored,) = await _stored(app)
    assert stored["status"] == "rejected"
    assert [event["status"] for event in stored["history"]] == ["open", "rejected"]


async def test_disputes_need_a_verified_real_name(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    await seed(resources_of(app))
    unverified = await sign_in(client, app)
    # when
    result = await _dispute(client, unverified, "HOUSEHOLD", "name")
    listed = await as_caller(client, unverified, MY_DISPUTES)
    # then
    assert result["__typename"] == "StepUpRequired", result
    assert listed["data"]["me"]["disputes"]["__typename"] == "StepUpRequired", listed
    assert await _stored(app) == []
