"""``enterpriseRecord``: the enterprise's own record through ``/graphql`` on the real servers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from demo.data.enterprise_records import contribution_rolls
from demo.data.enterprises import ENTERPRISES
from demo.data.liferecord import city_today
from demo.data.people import LIU_JIANJUN, YI_WENBIN, ZHOU_TING
from demo.seed import seed, seed_wallet
from tests.conftest import graphql
from tests.identity.factories import SignedInCaller, as_caller
from tests.identity.verification_factories import resources_of
from tests.liferecord.documents import verified_caller

RAIL, NOODLES = ENTERPRISES[0], ENTERPRISES[5]
assert RAIL.legal_representative_id_number == LIU_JIANJUN.id_number
assert NOODLES.legal_representative_id_number == YI_WENBIN.id_number

PROVENANCE = "provenance { source department { code } asOf verified }"
UNAVAILABLE = "... on SourceUnavailable { code source retryAfter }"

ENTERPRISE_RECORD = f"""
query {{
  enterpriseRecord {{
    __typename
    ... on EnterpriseRecord {{
      uscc
      registration {{ __typename
        ... on EnterpriseRegistration {{ uscc name {{ zh en }} entityType status establishedOn
          address {{ zh en }} registeredCapital {PROVENANCE} }} {UNAVAILABLE} }}
      licences {{ __typename
        ... on EnterpriseLicences {{ items {{ kind {{ zh en }} number issuer issuedOn validUntil
          scope {PROVENANCE} }} }} {UNAVAILABLE} }}
      taxCredit {{ __typename
        ... on EnterpriseTaxCredit {{ latest {{ year grade }} ratings {{ year grade }}
          {PROVENANCE} }} {UNAVAILABLE} }}
      socialInsurance {{ __typename
        ... on EmployeeSocialInsurance {{ months {{ month headcount employerTotal personalTotal
          total }} {PROVENANCE} }} {UNAVAILABLE} }}
      utilities {{ __typename
        ... on EnterpriseUtilities {{ accounts {{ kind accountNumber address arrears
          lastBillMonth lastBillAmount {PROVENANCE} }} }} {UNAVAILABLE} }}
    }}
    ... on ActingForbidden {{ code requiredScope }}
    ... on AuthenticationRequired {{ code reason }}
  }}
}}
"""

GRANT = """
mutation ($uscc: String!, $agentPhone: String!, $scopes: [String!]!, $expiresAt: DateTime!) {
  grantAgent(uscc: $uscc, agentPhone: $agentPhone, scopes: $scopes, expiresAt: $expiresAt) {
    __typename
  }
}
"""


async def _agent_of_rail(
    app: FastAPI, client: httpx.AsyncClient, scopes: list[str]
) -> tuple[SignedInCaller, SignedInCaller]:
    """Liu (the rail company's representative) and Zhou, his agent with ``scopes``."""
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    zhou = await verified_caller(client, app, ZHOU_TING)
    expires_at = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    variables = {
        "uscc": RAIL.uscc,
        "agentPhone": zhou.phone,
        "scopes": scopes,
        "expiresAt": expires_at,
    }
    granted = await as_caller(client, liu, GRANT, variables)
    assert granted["data"]["grantAgent"]["__typename"] == "AgentGranted", granted
    return liu, zhou


async def _record(
    client: httpx.AsyncClient, caller: SignedInCaller, uscc: str | None
) -> dict[str, Any]:
    headers = {} if uscc is None else {"X-Acting-For": uscc}
    body = await as_caller(client, caller, ENTERPRISE_RECORD, headers=headers)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["enterpriseRecord"]
    return result


async def test_an_agent_with_profile_read_sees_the_enterprises_record_with_provenance(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the wallet's licences loaded from the departments' sources
    _, zhou = await _agent_of_rail(app, client, ["profile:read"])
    await seed_wallet(app.state.services)
    # when
    record = await _record(client, zhou, RAIL.uscc)
    # then: registration, from the register of legal entities
    assert record["__typename"] == "EnterpriseRecord", record
    assert record["uscc"] == RAIL.uscc
    registration = record["registration"]
    assert registration["__typename"] == "EnterpriseRegistration", registration
    assert registration["name"] == {"zh": RAIL.name.zh, "en": RAIL.name.en}
    assert (registration["entityType"], registration["status"]) == (
        "LIMITED_LIABILITY_COMPANY",
        "ACTIVE",
    )
    assert registration["establishedOn"] == RAIL.established_on.isoformat()
    assert registration["address"] == {"zh": RAIL.address.zh, "en": RAIL.address.en}
    assert Decimal(registration["registeredCapital"]) == RAIL.registered_capital
    assert registration["provenance"]["source"] == "430200-SCJG"
    assert registration["provenance"]["verified"] is True
    # licences, from the wallet: the business licence carries the USCC, and each
    # licence's provenance names the department that issued it
    licences = record["licences"]["items"]
    business = next(item for item in licences if item["kind"]["zh"] == "营业执照")
    assert business["number"] == RAIL.uscc
    assert business["provenance"]["source"] == "430200-SCJG"
    estate = next(item for item in licences if item["kind"]["zh"] == "不动产权证书")
    assert estate["provenance"]["source"] == "430200-ZRZY"
    # tax credit, from the tax bureau
    tax = record["taxCredit"]
    assert tax["__typename"] == "EnterpriseTaxCredit", tax
    assert tax["latest"] == tax["ratings"][0]
    assert tax["latest"]["grade"] in {"A", "B", "M", "C", "D"}
    assert tax["provenance"]["source"] == "430200-SW"
    assert tax["provenance"]["department"] == {"code": "430200-SW"}
    # social insurance: totals that add up the bureau's rolls, newest month first
    rolls = contribution_rolls(RAIL, city_today())
    months = record["socialInsurance"]["months"]
    assert [month["month"] for month in months] == [roll.month for roll in reversed(rolls)]
    newest, roll = months[0], rolls[-1]
    assert newest["headcount"] == len(roll.employees) > 0
    assert Decimal(newest["employerTotal"]) == sum(line.employer for line in roll.employees)
    assert Decimal(newest["personalTotal"]) == sum(line.personal for line in roll.employees)
    assert Decimal(newest["total"]) == Decimal(newest["employerTotal"]) + Decimal(
        newest["personalTotal"]
    )
    assert record["socialInsurance"]["provenance"]["source"] == "430200-RS"
    # utilities: each account from its company
    accounts = record["utilities"]["accounts"]
    assert {account["kind"] for account in accounts} == {"POWER", "WATER"}
    assert {account["provenance"]["source"] for account in accounts} == {
        "430200-POWER",
        "430200-WATER",
    }


async def test_employee_contributions_name_no_employee(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: the bureau's rolls name the employees (Liu himself among them)
    _, zhou = await _agent_of_rail(app, client, ["profile:read"])
    lines = [line for roll in contribution_rolls(RAIL, city_today()) for line in roll.employees]
    assert LIU_JIANJUN.id_number in {line.id_number for line in lines}
    # when
    record = await _record(client, zhou, RAIL.uscc)
    # then
    assert record["socialInsurance"]["__typename"] == "EmployeeSocialInsurance", record
    answer = json.dumps(record, ensure_ascii=False)
    for line in lines:
        assert line.name not in answer
        assert line.id_number not in answer
        assert line.id_number[-6:] not in answer


async def test_the_legal_representative_sees_the_record_too(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    liu, _ = await _agent_of_rail(app, client, ["wallet:read"])
    # when
    record = await _record(client, liu, RAIL.uscc)
    # then
    assert record["__typename"] == "EnterpriseRecord", record
    assert record["uscc"] == RAIL.uscc


@pytest.mark.parametrize(
    ("scopes", "header"),
    [
        (["wallet:read", "applications:submit"], True),  # granted, but not profile:read
        (["profile:read"], False),  # granted, but not acting for it
    ],
    ids=["without-profile-read", "without-header"],
)
async def test_an_agent_without_the_scope_or_the_header_is_refused(
    app: FastAPI, client: httpx.AsyncClient, scopes: list[str], header: bool
) -> None:
    # given
    _, zhou = await _agent_of_rail(app, client, scopes)
    # when
    result = await _record(client, zhou, RAIL.uscc if header else None)
    # then
    assert result == {
        "__typename": "ActingForbidden",
        "code": "ACTING_FORBIDDEN",
        "requiredScope": "profile:read",
    }


async def test_another_enterprises_record_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Zhou is an agent of the rail company only
    _, zhou = await _agent_of_rail(app, client, ["profile:read"])
    # when
    result = await _record(client, zhou, NOODLES.uscc)
    # then
    assert result["__typename"] == "ActingForbidden", result


async def test_an_anonymous_caller_must_sign_in(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    await seed(resources_of(app))
    # when
    body = await graphql(client, ENTERPRISE_RECORD)
    # then
    assert body["data"]["enterpriseRecord"]["__typename"] == "AuthenticationRequired", body


async def test_a_failing_department_fails_only_its_part(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: the tax bureau publishes a rating that is not a grade
    _, zhou = await _agent_of_rail(app, client, ["profile:read"])
    await (
        resources_of(app)
        .database["exchange_enterprise_tax_credit"]
        .update_one({"_id": RAIL.uscc}, {"$set": {"payload.ratings.0.rating": "AAA"}})
    )
    # when
    record = await _record(client, zhou, RAIL.uscc)
    # then
    assert record["taxCredit"]["__typename"] == "SourceUnavailable", record
    assert record["taxCredit"]["source"] == "430200-SW"
    assert record["taxCredit"]["retryAfter"] > 0
    assert record["registration"]["__typename"] == "EnterpriseRegistration"
    assert record["socialInsurance"]["__typename"] == "EmployeeSocialInsurance"


async def test_an_individual_business_has_no_rating_and_no_employees(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Yi Wenbin runs the rice noodle shop alone
    await seed(resources_of(app))
    yi = await verified_caller(client, app, YI_WENBIN)
    claimed = await as_caller(
        client,
        yi,
        "mutation ($u: String!) { claimEnterprise(uscc: $u) { __typename } }",
        {"u": NOODLES.uscc},
    )
    assert claimed["data"]["claimEnterprise"]["__typename"] == "EnterpriseClaimed", claimed
    await seed_wallet(app.state.services)
    # when
    record = await _record(client, yi, NOODLES.uscc)
    # then
    assert record["registration"]["entityType"] == "INDIVIDUAL_BUSINESS"
    assert record["taxCredit"] is None
    assert record["socialInsurance"] is None
    kinds = [item["kind"]["zh"] for item in record["licences"]["items"]]
    assert kinds == ["食品经营许可证", "营业执照"], "the wallet's, newest issue first"


async def test_reading_the_enterprise_record_is_not_logged_as_a_citizens_read(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    _, zhou = await _agent_of_rail(app, client, ["profile:read"])
    # when
    record = await _record(client, zhou, RAIL.uscc)
    # then
    assert record["__typename"] == "EnterpriseRecord", record
    log = resources_of(app).database["record_access_log"]
    assert [doc async for doc in log.find()] == []
