"""The enterprise start-up journey through ``/graphql`` on the real servers (issue 10's "done").

A citizen opens the start-up bundle (prefilled), uploads materials to S3, references an
e-licence and submits; four departments' officers act, one asks for a supplement that
the citizen supplies; all approve; the case completes within its working-day deadline;
the citizen reads the timeline and rates it; statistics and the outbox hold it all.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI

from applications.calendar import city_date
from applications.services.statistics import StatisticsService
from demo.data.people import LIU_JIANJUN
from tests.app.citizens import real_name_citizen
from tests.applications.cases_factories import (
    ACCEPT,
    APPROVE,
    CASE_FIELDS,
    REQUEST_SUPPLEMENT,
    SAVE_DRAFT,
    START_UP,
    act,
    officers,
    start_up_form,
    start_up_materials,
    sub_of,
    submit,
    upload,
)
from tests.applications.uploads_factories import services_of
from tests.identity.factories import as_caller
from tests.identity.verification_factories import resources_of

SUPPLY = """
mutation ($sub: String!, $materials: [MaterialInput!]) {
  supplyMaterials(subCaseId: $sub, materials: $materials) {
    __typename
    ... on ApplicationChanged { application { state subCases { id state } } }
    ... on UserError { code }
  }
}
"""

READ = f"""
query ($id: String!) {{
  application(id: $id) {{
    {CASE_FIELDS}
    timeline {{ at actor event text {{ zh en }} reason department {{ code }} }}
  }}
}}
"""

RATE = """
mutation ($id: String!) {
  rateApplication(id: $id, level: 5, comment: "一次都不用跑，很方便") {
    __typename
    ... on ApplicationChanged { application { rating { level comment } } }
    ... on UserError { code }
  }
}
"""

STATISTICS = """
query ($department: String!, $from: Date!, $to: Date!) {
  departmentStatistics(departmentCode: $department, from: $from, to: $to) {
    departmentCode
    total { received completed onTime onTimeRate supplementRate ratings averageWorkingDays }
    items { itemCode figures { received completed } }
  }
}
"""

MY_APPLICATIONS = "query { me { applications(first: 5) { edges { node { id state } } } } }"


async def test_start_up_bundle_journey_from_draft_to_rating(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a citizen and the demo's officers
    citizen = await real_name_citizen(client, app)
    clerk, head = await officers(client, app)

    # when the citizen opens a draft of the start-up bundle, it is prefilled with provenance
    body = await as_caller(client, citizen, SAVE_DRAFT, {"kind": "BUNDLE", "code": START_UP})
    draft = body["data"]["saveDraft"]["draft"]
    assert draft["form"]["applicant.name"] == LIU_JIANJUN.name
    # the household register (public security) attests the name
    assert {"key": "applicant.name", "source": "430200-GA"} in draft["prefilled"]

    # and submits with four uploads and one e-licence
    materials = await start_up_materials(client, app, citizen)
    payload = await submit(client, citizen, materials)
    assert payload["__typename"] == "ApplicationSubmitted", payload
    case = payload["application"]
    assert case["state"] == "SUBMITTED"
    departments = sorted(s["departmentCode"] for s in case["subCases"])
    assert departments == ["430200-GA", "430200-RS", "430200-SCJG", "430200-SW"]
    assert case["dueAt"] is not None

    # then the market regulator asks for a new proof of premises; the citizen supplies it
    scjg = sub_of(case, "430200-SCJG")
    asked = await act(
        client,
        clerk,
        REQUEST_SUPPLEMENT,
        sub=scjg["id"],
        reason="租赁合同缺少出租方签章",
        materials=["site-proof"],
    )
    assert asked["__typename"] == "ApplicationChanged", asked
    assert asked["application"]["state"] == "SUPPLEMENT_REQUESTED"
    new_proof = await upload(client, citizen, "site-proof")
    supplied = await as_caller(
        client,
        citizen,
        SUPPLY,
        {"sub": scjg["id"], "materials": [{"key": "site-proof", "uploadId": new_proof}]},
    )
    assert supplied["data"]["supplyMaterials"]["__typename"] == "ApplicationChanged", supplied

    # and every department accepts and approves
    for officer, department in (
        (clerk, "430200-SCJG"),
        (clerk, "430200-GA"),
        (head, "430200-SW"),
        (head, "430200-RS"),
    ):
        sub = sub_of(case, department)
        accepted = await act(client, officer, ACCEPT, sub=sub["id"])
        assert accepted["__typename"] == "ApplicationChanged", accepted
        approved = await act(client, officer, APPROVE, sub=sub["id"])
        assert approved["__typename"] == "ApplicationChanged", approved
    final = approved["application"]

    # then the case is complete within its deadline, and the business licence was issued
    assert final["state"] == "COMPLETED"
    completed = datetime.fromisoformat(final["completedAt"])
    assert completed <= datetime.fromisoformat(final["dueAt"])
    assert sub_of(final, "430200-SCJG")["licenceUri"].startswith("urn:zhuzhou:licence:430200-SCJG")

    # and the citizen reads the timeline in plain words and rates the case
    read = await as_caller(client, citizen, READ, {"id": case["id"]})
    events = [e["event"] for e in read["data"]["application"]["timeline"]]
    assert events[0] == "submitted"
    assert events.count("approved") == 4
    assert "supplement_requested" in events
    assert "supplied" in events
    assert events[-1] == "completed"
    asked_entry = next(
        e for e in read["data"]["application"]["timeline"] if e["event"] == "supplement_requested"
    )
    assert asked_entry["reason"] == "租赁合同缺少出租方签章"
    assert "补正" in asked_entry["text"]["zh"]
    rated = await as_caller(client, citizen, RATE, {"id": case["id"]})
    assert rated["data"]["rateApplication"]["application"]["rating"]["level"] == 5
    mine = await as_caller(client, citizen, MY_APPLICATIONS)
    assert mine["data"]["me"]["applications"]["edges"][0]["node"]["id"] == case["id"]

    # and the statistics (from counters) and the outbox hold what happened
    # statistics count by Zhuzhou date (UTC+8), not by the UTC date of the instant
    today = city_date(completed)
    day = today.isoformat()
    stats = await as_caller(
        client,
        head,
        STATISTICS,
        {"department": "430200-SCJG", "from": day, "to": day},
    )
    total = stats["data"]["departmentStatistics"]["total"]
    assert total["received"] >= 1
    assert total["completed"] >= 1
    assert total["supplementRate"] > 0
    assert total["ratings"][4] >= 1
    kinds = await _outbox_kinds(app, case["id"])
    assert kinds.count("applications.case.approved") == 4
    for kind in ("submitted", "supplement_requested", "supplied", "accepted", "completed"):
        assert f"applications.case.{kind}" in kinds

    # and the rebuild from the cases agrees with the counters kept by each transition
    statistics = services_of(app).get(StatisticsService)
    kept = await statistics.figures("430200-SCJG", today, today)
    await statistics.rebuild("430200-SCJG")
    rebuilt = await statistics.figures("430200-SCJG", today, today)
    assert rebuilt == kept


async def _outbox_kinds(app: FastAPI, case_id: str) -> list[str]:
    cursor = resources_of(app).database["outbox"].find({"subject": case_id})
    docs: list[dict[str, Any]] = [doc async for doc in cursor]
    return [doc["kind"] for doc in docs]


async def test_form_problems_list_every_failing_field_and_nothing_is_stored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a citizen with all materials
    citizen = await real_name_citizen(client, app)
    materials = await start_up_materials(client, app, citizen)

    # when the form misses a field, breaks a pattern and adds an unknown one
    form = start_up_form(**{"applicant.phone": "12", "site.address": None, "extra": "x"})
    payload = await submit(client, citizen, materials, form=form)

    # then one typed error lists all three, and no case exists
    assert payload["__typename"] == "FormInvalid", payload
    problems = {(p["path"], p["code"]) for p in payload["problems"]}
    assert problems == {
        ("applicant.phone", "WRONG_FORMAT"),
        ("site.address", "REQUIRED"),
        ("extra", "UNKNOWN_FIELD"),
    }
    assert all(p["message"] and p["messageEn"] for p in payload["problems"])
    assert await resources_of(app).database["cases"].count_documents({}) == 0


FIELDS_SUPPLEMENT = """
mutation ($sub: String!, $fields: [String!]) {
  requestSupplement(subCaseId: $sub, reason: "请更正", fieldKeys: $fields) { __typename }
}
"""
SUPPLY_FORM = """
mutation ($sub: String!, $form: JSON) {
  supplyMaterials(subCaseId: $sub, form: $form) { __typename ... on UserError { code } }
}
"""


async def test_two_supplements_supplied_at_once_both_land_in_the_form(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # given a start-up case where two departments each asked for one field again
    citizen = await real_name_citizen(client, app)
    clerk, _head = await officers(client, app)
    case = (await submit(client, citizen, await start_up_materials(client, app, citizen)))[
        "application"
    ]
    scjg, ga = sub_of(case, "430200-SCJG")["id"], sub_of(case, "430200-GA")["id"]
    for sub, field in ((scjg, "site.address"), (ga, "enterprise.name")):
        body = await as_caller(client, clerk, FIELDS_SUPPLEMENT, {"sub": sub, "fields": [field]})
        assert body["data"]["requestSupplement"]["__typename"] == "ApplicationChanged", body

    # when the citizen supplies both at once
    answers = await asyncio.gather(
        as_caller(
            client, citizen, SUPPLY_FORM, {"sub": scjg, "form": {"site.address": "新地址 1 号"}}
        ),
        as_caller(
            client, citizen, SUPPLY_FORM, {"sub": ga, "form": {"enterprise.name": "新名称公司"}}
        ),
    )

    # then both succeed and the form holds both corrections (neither write lost)
    assert [a["data"]["supplyMaterials"]["__typename"] for a in answers] == [
        "ApplicationChanged",
        "ApplicationChanged",
    ]
    read = await as_caller(client, citizen, READ, {"id": case["id"]})
    form = read["data"]["application"]["form"]
    assert (form["site.address"], form["enterprise.name"]) == ("新地址 1 号", "新名称公司")
