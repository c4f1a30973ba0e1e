"""Disputes become correction cases: the department's officer corrects the value at its
source (the cached section is dropped) or rejects with a reason; the citizen sees the
outcome in ``me.disputes`` and the corrected value in the life record."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from demo.data.people import TANG_YAQIN
from identity.models import OfficerRole
from identity.services.officers import OfficerService
from tests.app.citizens import real_name_citizen
from tests.applications.cases_factories import ACCEPT, CASE_FIELDS, act, staff
from tests.applications.uploads_factories import services_of
from tests.identity.factories import SignedInCaller, as_caller

GJJ = "430200-GJJ"
DISPUTE = """
mutation ($field: String!) {
  disputeRecord(section: PROVIDENT_FUND, field: $field, reason: "余额与我的存折不符") {
    __typename ... on DisputeOpened { dispute { id departmentCode } }
  }
}
"""
QUEUE = """
query ($department: String!) {
  departmentQueue(departmentCode: $department, first: 10) {
    edges { node { caseReference subCase { id state itemCodes } } }
  }
}
"""
RESOLVE = f"""
mutation ($sub: String!, $outcome: DisputeOutcome!, $value: String, $reason: String) {{
  resolveDispute(subCaseId: $sub, outcome: $outcome, correctedValue: $value, reason: $reason) {{
    __typename
    ... on ApplicationChanged {{ application {{ {CASE_FIELDS} }} }}
    ... on UserError {{ code field }}
  }}
}}
"""
MY_DISPUTES = """
query { me { disputes(first: 5) { ... on RecordDisputeConnection {
  edges { node { id status history { status note } } } } } } }
"""
BALANCE = """
query { me { lifeRecord { ... on LifeRecord { providentFund {
  ... on ProvidentFundSection { record { balance } } } } } } }
"""


async def _gjj_officer(client: httpx.AsyncClient, app: FastAPI) -> SignedInCaller:
    assert TANG_YAQIN.phone is not None
    await (
        services_of(app)
        .get(OfficerService)
        .grant_as_operator(TANG_YAQIN.phone, OfficerRole.CLERK, GJJ)
    )
    return await staff(client, app, TANG_YAQIN)


async def _disputed(
    client: httpx.AsyncClient, app: FastAPI
) -> tuple[SignedInCaller, SignedInCaller, str]:
    citizen = await real_name_citizen(client, app)
    await as_caller(client, citizen, BALANCE)  # the section is now cached
    opened = await as_caller(client, citizen, DISPUTE, {"field": "balance"})
    assert opened["data"]["disputeRecord"]["__typename"] == "DisputeOpened", opened
    officer = await _gjj_officer(client, app)
    queue = await as_caller(client, officer, QUEUE, {"department": GJJ})
    [entry] = queue["data"]["departmentQueue"]["edges"]
    sub: str = entry["node"]["subCase"]["id"]
    assert entry["node"]["subCase"]["itemCodes"] == ["correction"]
    return citizen, officer, sub


async def _my_dispute(client: httpx.AsyncClient, citizen: SignedInCaller) -> dict[str, Any]:
    body = await as_caller(client, citizen, MY_DISPUTES)
    node: dict[str, Any] = body["data"]["me"]["disputes"]["edges"][0]["node"]
    return node


async def test_a_corrected_dispute_changes_the_record_and_resolves(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a dispute in the provident fund centre's queue, accepted by its officer
    citizen, officer, sub = await _disputed(client, app)
    await act(client, officer, ACCEPT, sub=sub)

    # when the officer corrects the balance
    payload = await act(
        client, officer, RESOLVE, sub=sub, outcome="CORRECTED", value="12345.67", reason="已核实"
    )

    # then the case is complete, the dispute resolved, and the record shows the new value
    assert payload["__typename"] == "ApplicationChanged", payload
    assert payload["application"]["state"] == "COMPLETED"
    dispute = await _my_dispute(client, citizen)
    assert dispute["status"] == "RESOLVED"
    record = await as_caller(client, citizen, BALANCE)
    balance = record["data"]["me"]["lifeRecord"]["providentFund"]["record"]["balance"]
    assert Decimal(str(balance)) == Decimal("12345.67")


async def test_a_rejected_dispute_says_why_and_a_bad_value_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given an accepted dispute
    citizen, officer, sub = await _disputed(client, app)
    await act(client, officer, ACCEPT, sub=sub)

    # when the officer first tries a value the field cannot hold, then rejects
    bad = await act(client, officer, RESOLVE, sub=sub, outcome="CORRECTED", value="很多")
    after_bad = await _my_dispute(client, citizen)
    rejected = await act(
        client, officer, RESOLVE, sub=sub, outcome="REJECTED", reason="经核对，余额无误"
    )

    # then the bad value is refused with nothing changed, and the rejection reaches the citizen
    assert bad["code"] == "CORRECTION_NOT_POSSIBLE"
    assert after_bad["status"] == "OPEN"
    assert rejected["application"]["state"] == "REJECTED"
    dispute = await _my_dispute(client, citizen)
    assert dispute["status"] == "REJECTED"
    assert dispute["history"][-1]["note"] == "经核对，余额无误"
