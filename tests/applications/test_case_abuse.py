"""Bad input and abuse on applications: each answers a typed error and changes nothing.

Submissions here are for one item, the company seal filing (430200-GA-001), worked by
the public security bureau's clerk 王浩然; 唐雅琴 holds no role there.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from demo.data.people import LI_XIAOYAN, LIU_JIANJUN, ZHOU_TING
from demo.seed import seed
from identity.models import AssuranceLevel, OfficerRole, Principal
from identity.services.officers import OfficerService
from tests.app.citizens import real_name_citizen
from tests.applications.cases_factories import (
    ACCEPT,
    APPROVE,
    REJECT,
    act,
    officers,
    resident_id_licence,
    start_up_form,
    submit,
    upload,
)
from tests.applications.uploads_factories import services_of
from tests.identity.factories import SignedInCaller, as_caller
from tests.identity.test_enterprises import RAIL
from tests.identity.test_enterprises import _citizen as enterprise_citizen
from tests.identity.test_enterprises import _granted as granted_agent
from tests.identity.verification_factories import resources_of

SEAL = "430200-GA-001"
SEAL_FORM_KEYS = (
    "applicant.name",
    "applicant.idNumber",
    "applicant.phone",
    "enterprise.name",
    "enterprise.uscc",
)

READ = "query ($id: String!) { application(id: $id) { id state } }"
RATE = """
mutation ($id: String!, $level: Int!) {
  rateApplication(id: $id, level: $level) { __typename ... on UserError { code } }
}
"""
ACCESS_LOG = """
query { me { accessLog(first: 10) {
  __typename ... on AccessLogEntryConnection { edges { node { purpose readerKind } } }
} } }
"""


def seal_form() -> dict[str, Any]:
    """A valid form of the seal filing item."""
    full = start_up_form()
    return {key: full[key] for key in SEAL_FORM_KEYS}


async def seal_materials(
    client: httpx.AsyncClient, app: FastAPI, caller: SignedInCaller
) -> list[dict[str, str]]:
    """An uploaded business licence and the caller's e-resident ID card."""
    return [
        {"key": "business-licence", "uploadId": await upload(client, caller, "business-licence")},
        {"key": "id-card", "licenceUri": await resident_id_licence(app, caller)},
    ]


async def seal_case(
    client: httpx.AsyncClient, app: FastAPI, caller: SignedInCaller
) -> dict[str, Any]:
    """A submitted seal filing of ``caller``."""
    payload = await submit(
        client,
        caller,
        await seal_materials(client, app, caller),
        form=seal_form(),
        code=SEAL,
        kind="ITEM",
    )
    assert payload["__typename"] == "ApplicationSubmitted", payload
    case: dict[str, Any] = payload["application"]
    return case


async def _count(app: FastAPI, collection: str) -> int:
    return await resources_of(app).database[collection].count_documents({})


async def test_a_retried_submit_returns_the_same_case_and_a_reused_key_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a citizen who submitted once with a key
    citizen = await real_name_citizen(client, app)
    materials = await seal_materials(client, app, citizen)
    key = uuid.uuid4().hex
    first = await submit(
        client, citizen, materials, form=seal_form(), code=SEAL, kind="ITEM", key=key
    )

    # when the same submission is retried, and another one reuses the key
    again = await submit(
        client, citizen, materials, form=seal_form(), code=SEAL, kind="ITEM", key=key
    )
    other = seal_form() | {"enterprise.name": "另一家公司"}
    reused = await submit(client, citizen, materials, form=other, code=SEAL, kind="ITEM", key=key)

    # then the retry answers the same case, the reuse a conflict, and one case exists
    assert again["application"]["id"] == first["application"]["id"]
    assert reused["__typename"] == "CaseConflict"
    assert reused["code"] == "CLIENT_KEY_REUSED"
    assert await _count(app, "cases") == 1


async def test_two_racing_submits_with_one_key_make_one_case(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a citizen and one key
    citizen = await real_name_citizen(client, app)
    materials = await seal_materials(client, app, citizen)
    key = uuid.uuid4().hex

    # when two submissions with that key race
    results = await asyncio.gather(
        *(
            submit(client, citizen, materials, form=seal_form(), code=SEAL, kind="ITEM", key=key)
            for _ in range(2)
        )
    )

    # then both answer the same case, and only one was stored
    ids = {r["application"]["id"] for r in results if r["__typename"] == "ApplicationSubmitted"}
    assert len(ids) == 1
    assert await _count(app, "cases") == 1
    assert await _count(app, "sub_cases") == 1


async def test_missing_and_foreign_materials_are_listed_and_nothing_is_stored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a citizen, and another citizen's upload and licence
    citizen = await real_name_citizen(client, app)
    stranger = await real_name_citizen(client, app, LI_XIAOYAN)
    foreign_upload = await upload(client, stranger, "business-licence")
    foreign_licence = await resident_id_licence(app, stranger)

    # when the citizen submits nothing, then the stranger's documents
    missing = await submit(client, citizen, [], form=seal_form(), code=SEAL, kind="ITEM")
    foreign = await submit(
        client,
        citizen,
        [
            {"key": "business-licence", "uploadId": foreign_upload},
            {"key": "id-card", "licenceUri": foreign_licence},
        ],
        form=seal_form(),
        code=SEAL,
        kind="ITEM",
    )

    # then every problem is listed by material key, and no case exists
    assert missing["__typename"] == "MaterialsInvalid"
    assert {(p["path"], p["code"]) for p in missing["problems"]} == {
        ("business-licence", "MISSING_MATERIAL"),
        ("id-card", "MISSING_MATERIAL"),
    }
    assert foreign["__typename"] == "MaterialsInvalid"
    assert {(p["path"], p["code"]) for p in foreign["problems"]} == {
        ("business-licence", "UPLOAD_NOT_USABLE"),
        ("id-card", "LICENCE_NOT_USABLE"),
    }
    assert await _count(app, "cases") == 0
    events = resources_of(app).database["outbox"]
    assert await events.count_documents({"kind": {"$regex": "^applications\\."}}) == 0


async def test_officers_of_another_department_and_illegal_transitions_are_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a seal filing (public security) and two officers
    citizen = await real_name_citizen(client, app)
    case = await seal_case(client, app, citizen)
    sub = case["subCases"][0]
    clerk, other = await officers(client, app)

    # when 唐雅琴, no officer of public security, accepts it
    outsider = await act(client, other, ACCEPT, sub=sub["id"])
    # and the clerk approves before accepting
    illegal = await act(client, clerk, APPROVE, sub=sub["id"])

    # then both are typed refusals and the sub-case is untouched
    assert outsider["__typename"] == "RoleRequired"
    assert outsider["code"] == "NOT_AN_OFFICER"
    assert illegal["__typename"] == "CaseConflict"
    assert illegal["code"] == "ILLEGAL_TRANSITION"
    read = await as_caller(client, citizen, READ, {"id": case["id"]})
    assert read["data"]["application"]["state"] == "SUBMITTED"


async def test_a_revoked_grant_fails_at_once(client: httpx.AsyncClient, app: FastAPI) -> None:
    # given a seal filing and its clerk, whose grant is then revoked
    citizen = await real_name_citizen(client, app)
    case = await seal_case(client, app, citizen)
    clerk, _head = await officers(client, app)
    service = services_of(app).get(OfficerService)
    principal = Principal(clerk.account_id, clerk.session_id, AssuranceLevel.REAL_NAME)
    [grant] = [g for g in await service.roles_of(principal) if g.department_code == "430200-GA"]
    grants = resources_of(app).database["role_grants"]
    admin = await grants.find_one({"role": OfficerRole.ADMINISTRATOR.value})
    assert admin is not None
    await (
        services_of(app)
        .get(OfficerService)
        .revoke_role(
            Principal(admin["account_id"], "s", AssuranceLevel.REAL_NAME), grant.id, "调岗"
        )
    )

    # when the clerk accepts the sub-case
    refused = await act(client, clerk, ACCEPT, sub=case["subCases"][0]["id"])

    # then it is refused
    assert refused["__typename"] == "RoleRequired"


async def test_two_officers_deciding_at_once_exactly_one_wins(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given an accepted seal filing
    citizen = await real_name_citizen(client, app)
    case = await seal_case(client, app, citizen)
    sub = case["subCases"][0]["id"]
    clerk, _head = await officers(client, app)
    await act(client, clerk, ACCEPT, sub=sub)

    # when an approval and a rejection race
    approve, reject = await asyncio.gather(
        act(client, clerk, APPROVE, sub=sub), act(client, clerk, REJECT, sub=sub, reason="材料不实")
    )

    # then exactly one wins and the other is a conflict
    outcomes = sorted([approve["__typename"], reject["__typename"]])
    assert outcomes == ["ApplicationChanged", "CaseConflict"]
    decided = (
        await resources_of(app)
        .database["case_timeline"]
        .count_documents({"event": {"$in": ["approved", "rejected"]}})
    )
    assert decided == 1


async def test_other_peoples_cases_are_invisible_and_ratings_are_guarded(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a citizen's finished case and a stranger
    citizen = await real_name_citizen(client, app)
    stranger = await real_name_citizen(client, app, LI_XIAOYAN)
    case = await seal_case(client, app, citizen)
    clerk, _head = await officers(client, app)
    early = await as_caller(client, citizen, RATE, {"id": case["id"], "level": 4})
    sub = case["subCases"][0]["id"]
    await act(client, clerk, ACCEPT, sub=sub)
    await act(client, clerk, APPROVE, sub=sub)

    # when the stranger reads and rates it, and the citizen rates twice
    read = await as_caller(client, stranger, READ, {"id": case["id"]})
    foreign = await as_caller(client, stranger, RATE, {"id": case["id"], "level": 1})
    first = await as_caller(client, citizen, RATE, {"id": case["id"], "level": 2})
    second = await as_caller(client, citizen, RATE, {"id": case["id"], "level": 5})

    # then the stranger sees nothing, and only the first rating after completion counts
    assert early["data"]["rateApplication"]["code"] == "NOT_RATEABLE"
    assert read["data"]["application"] is None
    assert foreign["data"]["rateApplication"]["code"] == "CASE_NOT_FOUND"
    assert first["data"]["rateApplication"]["__typename"] == "ApplicationChanged"
    assert second["data"]["rateApplication"]["code"] == "NOT_RATEABLE"
    # and the low rating opened a follow-up for the department
    assert await resources_of(app).database["case_follow_ups"].count_documents({}) == 1


@pytest.mark.parametrize("level", [0, 6])
async def test_a_rating_outside_one_to_five_is_refused(
    client: httpx.AsyncClient, app: FastAPI, level: int
) -> None:
    # given a citizen's case
    citizen = await real_name_citizen(client, app)
    case = await seal_case(client, app, citizen)

    # when rated out of range
    body = await as_caller(client, citizen, RATE, {"id": case["id"], "level": level})

    # then it is refused as bad input
    assert body["data"]["rateApplication"]["code"] == "INVALID_RATING"


async def test_an_officer_reading_a_case_lands_in_the_applicants_access_log(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a citizen's seal filing
    citizen = await real_name_citizen(client, app)
    case = await seal_case(client, app, citizen)
    clerk, _head = await officers(client, app)

    # when the clerk reads it
    body = await as_caller(
        client,
        clerk,
        "query ($id: String!) { officerSubCase(id: $id) { reference form } }",
        {"id": case["subCases"][0]["id"]},
    )
    assert body["data"]["officerSubCase"]["reference"] == case["reference"]

    # then the citizen's access log names an officer reading that application
    log = await as_caller(client, citizen, ACCESS_LOG)
    nodes = [e["node"] for e in log["data"]["me"]["accessLog"]["edges"]]
    assert any(n["readerKind"] == "OFFICER" and case["reference"] in n["purpose"] for n in nodes)


async def test_an_enterprise_agent_applies_with_the_scope_and_is_refused_without(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given 刘建军's enterprise, an agent with applications:submit and one with wallet:read
    await seed(resources_of(app))
    representative = await enterprise_citizen(client, app, LIU_JIANJUN)
    agent = await enterprise_citizen(client, app, ZHOU_TING)
    reader = await enterprise_citizen(client, app, LI_XIAOYAN)
    await granted_agent(client, representative, agent, ["applications:submit"])
    await granted_agent(client, representative, reader, ["wallet:read"])

    # when each files the seal filing for the enterprise
    filed = await submit(
        client,
        agent,
        await seal_materials(client, app, agent),
        form=seal_form(),
        code=SEAL,
        kind="ITEM",
        acting_for=RAIL.uscc,
    )
    refused = await submit(
        client,
        reader,
        await seal_materials(client, app, reader),
        form=seal_form(),
        code=SEAL,
        kind="ITEM",
        acting_for=RAIL.uscc,
    )

    # then the agent with the scope files it for the enterprise, the other is refused
    assert filed["__typename"] == "ApplicationSubmitted", filed
    stored = await resources_of(app).database["cases"].find_one({"_id": filed["application"]["id"]})
    assert stored is not None
    assert stored["acting_for"] == RAIL.uscc
    assert refused["__typename"] == "ApplicationRefused", refused
    assert refused["code"] == "AGENT_NOT_ALLOWED"
    assert await _count(app, "cases") == 1


async def test_a_low_rating_is_answered_and_the_applicant_sees_the_reply(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a finished seal filing rated 1
    citizen = await real_name_citizen(client, app)
    case = await seal_case(client, app, citizen)
    clerk, _head = await officers(client, app)
    sub = case["subCases"][0]["id"]
    await act(client, clerk, ACCEPT, sub=sub)
    await act(client, clerk, APPROVE, sub=sub)
    await as_caller(client, citizen, RATE, {"id": case["id"], "level": 1})

    # when the department lists its follow-ups and replies
    listed = await as_caller(
        client, clerk, 'query { followUps(departmentCode: "430200-GA") { id caseId level } }'
    )
    [follow_up] = listed["data"]["followUps"]
    replied = await as_caller(
        client,
        clerk,
        """mutation ($id: String!) { replyToFollowUp(followUpId: $id, reply: "已改进窗口指引") {
             __typename } }""",
        {"id": follow_up["id"]},
    )

    # then the reply is on the applicant's case and the follow-up is closed
    assert replied["data"]["replyToFollowUp"]["__typename"] == "ApplicationChanged"
    read = await as_caller(
        client,
        citizen,
        "query ($id: String!) { application(id: $id) { rating { level followUpReply } } }",
        {"id": case["id"]},
    )
    assert read["data"]["application"]["rating"] == {"level": 1, "followUpReply": "已改进窗口指引"}
    again = await as_caller(
        client, clerk, 'query { followUps(departmentCode: "430200-GA") { id } }'
    )
    assert again["data"]["followUps"] == []


QUEUE = """
query ($states: [SubCaseState!], $first: Int!, $after: String, $dueBefore: DateTime) {
  departmentQueue(departmentCode: "430200-GA", states: $states, first: $first, after: $after,
                  dueBefore: $dueBefore) {
    edges { node { caseReference subCase { id state dueAt } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_the_queue_pages_by_due_date_and_filters_by_state_and_due_date(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given three seal filings, one of them accepted
    citizen = await real_name_citizen(client, app)
    cases = [await seal_case(client, app, citizen) for _ in range(3)]
    clerk, other = await officers(client, app)
    await act(client, clerk, ACCEPT, sub=cases[0]["subCases"][0]["id"])

    # when the clerk pages through the queue two at a time, and filters
    first = await as_caller(client, clerk, QUEUE, {"first": 2})
    page = first["data"]["departmentQueue"]
    second = await as_caller(
        client, clerk, QUEUE, {"first": 2, "after": page["pageInfo"]["endCursor"]}
    )
    submitted = await as_caller(client, clerk, QUEUE, {"first": 10, "states": ["SUBMITTED"]})
    none_due = await as_caller(
        client, clerk, QUEUE, {"first": 10, "dueBefore": "2000-01-01T00:00:00+08:00"}
    )
    outsider = await as_caller(client, other, QUEUE, {"first": 10})

    # then the pages hold all three once, soonest due first, and the filters hold
    seen = [e["node"]["subCase"] for e in page["edges"]] + [
        e["node"]["subCase"] for e in second["data"]["departmentQueue"]["edges"]
    ]
    assert page["pageInfo"]["hasNextPage"] is True
    assert sorted(s["id"] for s in seen) == sorted(c["subCases"][0]["id"] for c in cases)
    assert [s["dueAt"] for s in seen] == sorted(s["dueAt"] for s in seen)
    states = {e["node"]["subCase"]["state"] for e in submitted["data"]["departmentQueue"]["edges"]}
    assert states == {"SUBMITTED"}
    assert len(submitted["data"]["departmentQueue"]["edges"]) == 2
    assert none_due["data"]["departmentQueue"]["edges"] == []
    assert outsider["data"] is None or outsider["data"].get("departmentQueue") is None
    assert outsider["errors"][0]["extensions"]["code"] == "NOT_AN_OFFICER"


WITHDRAW = """
mutation ($id: String!) {
  withdrawApplication(id: $id, reason: "不再需要") {
    __typename
    ... on ApplicationChanged { application { state subCases { state } } }
    ... on UserError { code }
  }
}
"""


async def test_a_withdrawn_case_is_closed_for_everyone(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a submitted seal filing
    citizen = await real_name_citizen(client, app)
    case = await seal_case(client, app, citizen)
    clerk, _head = await officers(client, app)

    # when the citizen withdraws it, twice, and the clerk then accepts it
    first = await as_caller(client, citizen, WITHDRAW, {"id": case["id"]})
    second = await as_caller(client, citizen, WITHDRAW, {"id": case["id"]})
    late = await act(client, clerk, ACCEPT, sub=case["subCases"][0]["id"])

    # then the first closes every part, and the others are illegal transitions
    assert first["data"]["withdrawApplication"]["application"] == {
        "state": "WITHDRAWN",
        "subCases": [{"state": "WITHDRAWN"}],
    }
    assert second["data"]["withdrawApplication"]["code"] == "ILLEGAL_TRANSITION"
    assert late["code"] == "ILLEGAL_TRANSITION"


async def test_an_item_needing_a_face_check_refuses_a_real_name_session(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a citizen at real-name level (no face check in this session)
    citizen = await real_name_citizen(client, app)

    # when they submit for a level-3 item (a medical-device business permit)
    payload = await submit(client, citizen, [], form={}, code="430200-SCJG-004", kind="ITEM")

    # then the refusal says a face check is needed, and nothing is stored
    assert payload["__typename"] == "ApplicationRefused"
    assert payload["code"] == "REAL_PERSON_REQUIRED"
    assert await _count(app, "cases") == 0


async def test_timelines_come_with_every_case_payload_that_asks_for_them(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a seal filing
    citizen = await real_name_citizen(client, app)
    case = await seal_case(client, app, citizen)
    clerk, _head = await officers(client, app)

    # when the timeline is asked for in me.applications and in an officer's payload
    mine = await as_caller(
        client,
        citizen,
        "query { me { applications(first: 5) { edges { node { timeline { event } } } } } }",
    )
    accepted = await as_caller(
        client,
        clerk,
        """mutation ($sub: String!) { acceptSubCase(subCaseId: $sub) {
             ... on ApplicationChanged { application { timeline { event } } } } }""",
        {"sub": case["subCases"][0]["id"]},
    )

    # then both carry it, oldest first
    [edge] = mine["data"]["me"]["applications"]["edges"]
    assert [e["event"] for e in edge["node"]["timeline"]] == ["submitted"]
    timeline = accepted["data"]["acceptSubCase"]["application"]["timeline"]
    assert [e["event"] for e in timeline] == ["submitted", "accepted"]
