"""``me.accessLog``: reads of a citizen's record by others, through ``/graphql`` on real servers.

Department officers will read through ``LifeRecordService.read_as`` (the applications
issue); these tests read through it as such an officer would.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from demo.data.people import LIU_JIANJUN, ZHOU_TING
from demo.seed import seed
from kit.registry import ServiceRegistry
from liferecord.models import Citizen, Reader, Section
from liferecord.repositories.access_log import AccessLogRepository
from liferecord.services.life_record import LifeRecordService
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.identity.verification_factories import resources_of
from tests.liferecord.documents import life_record, life_record_query, verified_caller

ACCESS_LOG = """
query ($first: Int, $before: String) {
  me {
    accessLog(first: $first, before: $before) {
      __typename
      ... on AccessLogEntryConnection {
        edges { cursor node { id readerKind readerName purpose sections at } }
        pageInfo { hasNextPage endCursor }
      }
      ... on StepUpRequired { requiredLevel }
    }
  }
}
"""

PREFILL = """
query { prefill(itemCode: "430200-GJJ-TQ-001") { __typename } }
"""

DISPUTE = """
mutation {
  disputeRecord(section: HOUSEHOLD, field: "name", reason: "姓名有误，请核对") { __typename }
}
"""

OFFICER = Reader(
    kind="officer",
    id="staff_gjj_0042",
    display_name="株洲市住房公积金管理中心 王科员",
    purpose="case:430200-GJJ-TQ-001/2025-000123",
)


def _services(app: FastAPI) -> ServiceRegistry:
    services: ServiceRegistry = app.state.services
    return services


def _citizen(caller: SignedInCaller, id_number: str) -> Citizen:
    return Citizen(account_id=caller.account_id, id_number=id_number)


async def _access_log(
    client: httpx.AsyncClient,
    caller: SignedInCaller,
    first: int = 20,
    before: str | None = None,
) -> dict[str, Any]:
    body = await as_caller(client, caller, ACCESS_LOG, {"first": first, "before": before})
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["me"]["accessLog"]
    assert page["__typename"] == "AccessLogEntryConnection", page
    return page


async def _stored(app: FastAPI) -> list[dict[str, Any]]:
    return [doc async for doc in resources_of(app).database["record_access_log"].find()]


async def test_a_read_by_an_officer_is_logged_and_shown_to_the_citizen(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    now = datetime.now(UTC)
    before = now.replace(microsecond=now.microsecond // 1000 * 1000)  # stored in milliseconds
    # when: an officer handling Liu's case reads two sections
    results = (
        await _services(app)
        .get(LifeRecordService)
        .read_as(
            OFFICER,
            _citizen(liu, LIU_JIANJUN.id_number),
            [Section.PROVIDENT_FUND, Section.PROPERTIES],
        )
    )
    # then: the officer got the data, and Liu sees who read what and why
    assert all(result.payload is not None for result in results)
    page = await _access_log(client, liu)
    (edge,) = page["edges"]
    entry = edge["node"]
    assert entry["readerKind"] == "OFFICER"
    assert entry["readerName"] == OFFICER.display_name
    assert entry["purpose"] == OFFICER.purpose
    assert entry["sections"] == ["PROVIDENT_FUND", "PROPERTIES"]
    assert before <= datetime.fromisoformat(entry["at"]) <= datetime.now(UTC)
    assert page["pageInfo"]["hasNextPage"] is False
    # and the citizen's ID number is neither in the log nor in the answer
    (stored,) = await _stored(app)
    assert LIU_JIANJUN.id_number not in repr(stored)
    assert LIU_JIANJUN.id_number not in json.dumps(page)


async def test_the_citizens_own_reads_are_not_logged(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    # when: Liu reads his record, prefills a form and disputes a value
    record = await life_record(client, liu, life_record_query("providentFund", "household"))
    assert record["__typename"] == "LifeRecord", record
    prefill = await as_caller(client, liu, PREFILL)
    assert prefill["data"]["prefill"]["__typename"] == "Prefill", prefill
    dispute = await as_caller(client, liu, DISPUTE)
    assert dispute["data"]["disputeRecord"]["__typename"] == "DisputeOpened", dispute
    # then
    assert (await _access_log(client, liu))["edges"] == []
    assert await _stored(app) == []


async def test_a_citizen_never_sees_reads_of_someone_elses_record(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: an officer read Liu's record
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    zhou = await verified_caller(client, app, ZHOU_TING)
    await (
        _services(app)
        .get(LifeRecordService)
        .read_as(OFFICER, _citizen(liu, LIU_JIANJUN.id_number), [Section.HOUSEHOLD])
    )
    liu_cursor = (await _access_log(client, liu))["edges"][0]["cursor"]
    # when
    own = await _access_log(client, zhou)
    with_liu_cursor = await _access_log(client, zhou, before=liu_cursor)
    # then
    assert own["edges"] == [] == with_liu_cursor["edges"]


async def test_the_log_pages_newest_first_without_losing_reads_in_the_same_instant(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: three reads logged at the very same time, and one earlier
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    citizen = _citizen(liu, LIU_JIANJUN.id_number)
    log = AccessLogRepository(resources_of(app).database)
    await log.record(citizen, OFFICER, [Section.INCOME], datetime(2025, 5, 1, 8, tzinfo=UTC))
    same_instant = datetime(2025, 5, 2, 9, 30, tzinfo=UTC)
    for purpose in ("case:1", "case:2", "case:3"):
        reader = OFFICER.model_copy(update={"purpose": purpose})
        await log.record(citizen, reader, [Section.HOUSEHOLD], same_instant)
    # when
    pages = [await _access_log(client, liu, first=2)]
    while pages[-1]["pageInfo"]["hasNextPage"]:
        pages.append(
            await _access_log(client, liu, first=2, before=pages[-1]["pageInfo"]["endCursor"])
        )
    # then: every entry exactly once, newest first
    entries = [edge["node"] for page in pages for edge in page["edges"]]
    assert len(pages) == 2
    assert len({entry["id"] for entry in entries}) == len(entries) == 4
    assert entries[-1]["purpose"] == OFFICER.purpose
    assert sorted(entry["purpose"] for entry in entries[:3]) == ["case:1", "case:2", "case:3"]
    assert [entry["at"] for entry in entries] == sorted(
        (entry["at"] for entry in entries), reverse=True
    )


@pytest.mark.parametrize("first", [0, 51])
async def test_a_page_size_out_of_bounds_is_refused(
    app: FastAPI, client: httpx.AsyncClient, first: int
) -> None:
    # given
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    # when
    body = await as_caller(client, liu, ACCESS_LOG, {"first": first})
    # then
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "first"}


async def test_the_access_log_needs_a_verified_real_name(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await seed(resources_of(app))
    unverified = await sign_in(client, app)
    # when
    body = await as_caller(client, unverified, ACCESS_LOG)
    # then
    assert body["data"]["me"]["accessLog"]["__typename"] == "StepUpRequired", body
