"""Real-person verification (实人认证, liveness) and the step-up it unlocks, via ``/graphql``."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from app.demo.people import LI_XIAOYAN, LIU_JIANJUN
from exchange.models import ResidentRecord
from identity.adapters.liveness import sign_development_result
from tests.conftest import graphql
from tests.identity.factories import SignedInCaller, sign_in
from tests.identity.verification_factories import (
    COMPLETE_LIVENESS,
    START_LIVENESS,
    complete_liveness,
    development_result,
    me_identity,
    resources_of,
    seed_register,
    session_document,
    sessions_of,
    sign_in_verified,
    start_liveness,
)


@pytest.fixture(autouse=True)
async def _register(app: FastAPI) -> None:
    await seed_register(app)


async def _real_name_caller(
    client: httpx.AsyncClient, app: FastAPI, person: ResidentRecord = LIU_JIANJUN
) -> SignedInCaller:
    return await sign_in_verified(client, app, person)


async def _ticket(client: httpx.AsyncClient, caller: SignedInCaller) -> str:
    started = await start_liveness(client, caller)
    assert started["__typename"] == "LivenessCheckStarted", started
    ticket: str = started["ticket"]
    return ticket


async def test_a_passed_check_gives_level_three_and_reveals_the_id_number(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await _real_name_caller(client, app)
    started = await start_liveness(client, caller)
    assert started["provider"] == "development"
    # when
    payload = await complete_liveness(
        client, caller, started["ticket"], development_result(app, started["ticket"])
    )
    # then
    assert payload["__typename"] == "LivenessCheckPassed"
    assert payload["assuranceLevel"] == "REAL_PERSON"
    verified_at = datetime.fromisoformat(payload["verifiedAt"])
    assert datetime.fromisoformat(payload["validUntil"]) - verified_at == timedelta(minutes=15)
    me = await me_identity(client, caller)
    assert me["assuranceLevel"] == "REAL_PERSON"
    assert me["realName"]["idNumber"] == {
        "__typename": "RevealedIdNumber",
        "value": LIU_JIANJUN.id_number,
    }
    doc = await session_document(app, caller.session_id)
    assert doc["real_person_at"] == verified_at
    assert doc["methods"] == ["sms", "face"]


async def test_at_level_two_the_id_number_asks_for_a_step_up(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await _real_name_caller(client, app)
    # when
    me = await me_identity(client, caller)
    # then
    assert me["assuranceLevel"] == "REAL_NAME"
    assert me["realName"]["idNumber"] == {
        "__typename": "StepUpRequired",
        "code": "STEP_UP_REQUIRED",
        "requiredLevel": "REAL_PERSON",
        "currentLevel": "REAL_NAME",
    }


@pytest.mark.parametrize(("minutes_ago", "level"), [(14, "REAL_PERSON"), (16, "REAL_NAME")])
async def test_level_three_lasts_fifteen_minutes(
    app: FastAPI, client: httpx.AsyncClient, minutes_ago: int, level: str
) -> None:
    # given: a check that passed some minutes ago
    caller = await _real_name_caller(client, app)
    passed_at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    sessions = sessions_of(app)
    assert await sessions.record_real_person(caller.session_id, caller.account_id, passed_at)
    # when
    me = await me_identity(client, caller)
    # then
    assert me["assuranceLevel"] == level
    revealed = me["realName"]["idNumber"]["__typename"]
    assert revealed == ("RevealedIdNumber" if level == "REAL_PERSON" else "StepUpRequired")


async def test_starting_a_check_needs_a_verified_real_name(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: signed in by phone only
    caller = await sign_in(client, app)
    # when
    started = await start_liveness(client, caller)
    completed = await complete_liveness(client, caller, "lvt_x", development_result(app, "lvt_x"))
    # then
    for payload in (started, completed):
        assert payload["__typename"] == "StepUpRequired"
        assert payload["requiredLevel"] == "REAL_NAME"
        assert payload["currentLevel"] == "PHONE"
    assert (await session_document(app, caller.session_id))["real_person_at"] is None


async def test_liveness_needs_a_signed_in_caller(client: httpx.AsyncClient) -> None:
    # when
    started = (await graphql(client, START_LIVENESS))["data"]["startLivenessCheck"]
    completed = (await graphql(client, COMPLETE_LIVENESS, {"ticket": "t", "result": "r"}))["data"][
        "completeLivenessCheck"
    ]
    # then
    assert started["__typename"] == completed["__typename"] == "AuthenticationRequired"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda ticket: sign_development_result(os.urandom(32), ticket, True), id="key"
        ),
        pytest.param(lambda ticket: "v1.e30.AAAA", id="garbage"),
        pytest.param(lambda ticket: "", id="empty"),
    ],
)
async def test_a_result_not_signed_by_the_provider_is_refused_and_keeps_the_ticket(
    app: FastAPI, client: httpx.AsyncClient, forge: object
) -> None:
    # given
    caller = await _real_name_caller(client, app)
    ticket = await _ticket(client, caller)
    assert callable(forge)
    # when
    payload = await complete_liveness(client, caller, ticket, forge(ticket))
    # then
    assert payload["__typename"] == "LivenessCheckFailed"
    assert payload["code"] == "INVALID_LIVENESS_RESULT"
    assert (await me_identity(client, caller))["assuranceLevel"] == "REAL_NAME"
    assert (await session_document(app, caller.session_id))["real_person_at"] is None
    # and the owner can still finish the genuine check
    genuine = await complete_liveness(client, caller, ticket, development_result(app, ticket))
    assert genuine["__typename"] == "LivenessCheckPassed"


async def test_a_result_for_another_ticket_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: two checks of the caller's; the result belongs to the first
    caller = await _real_name_caller(client, app)
    first, second = await _ticket(client, caller), await _ticket(client, caller)
    # when
    payload = await complete_liveness(client, caller, second, development_result(app, first))
    # then
    assert payload["code"] == "INVALID_LIVENESS_RESULT"
    assert (await me_identity(client, caller))["assuranceLevel"] == "REAL_NAME"


async def test_another_accounts_ticket_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given: Liu started a check; Li holds Liu's ticket and a passing result for it
    liu = await _real_name_caller(client, app, LIU_JIANJUN)
    li = await _real_name_caller(client, app, LI_XIAOYAN)
    ticket = await _ticket(client, liu)
    result = development_result(app, ticket)
    # when
    payload = await complete_liveness(client, li, ticket, result)
    # then
    assert payload["__typename"] == "LivenessCheckFailed"
    assert payload["code"] == "INVALID_LIVENESS_TICKET"
    assert (await me_identity(client, li))["assuranceLevel"] == "REAL_NAME"
    assert (await session_document(app, li.session_id))["real_person_at"] is None
    # and Liu's ticket was not used up by the attempt
    assert (await complete_liveness(client, liu, ticket, result))["assuranceLevel"] == (
        "REAL_PERSON"
    )


async def test_a_ticket_works_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    caller = await _real_name_caller(client, app)
    ticket = await _ticket(client, caller)
    result = development_result(app, ticket)
    assert (await complete_liveness(client, caller, ticket, result))["assuranceLevel"] == (
        "REAL_PERSON"
    )
    await (
        resources_of(app)
        .database["sessions"]
        .update_one({"_id": caller.session_id}, {"$set": {"real_person_at": None}})
    )
    # when
    again = await complete_liveness(client, caller, ticket, result)
    # then
    assert again["code"] == "INVALID_LIVENESS_TICKET"
    assert (await me_identity(client, caller))["assuranceLevel"] == "REAL_NAME"


async def test_concurrent_completions_of_one_ticket_give_one_pass(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await _real_name_caller(client, app)
    ticket = await _ticket(client, caller)
    result = development_result(app, ticket)
    # when
    payloads = await asyncio.gather(
        *(complete_liveness(client, caller, ticket, result) for _ in range(5))
    )
    # then
    kinds = sorted(p["__typename"] for p in payloads)
    assert kinds == ["LivenessCheckFailed"] * 4 + ["LivenessCheckPassed"]


async def test_a_failed_check_changes_nothing_and_uses_up_the_ticket(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await _real_name_caller(client, app)
    ticket = await _ticket(client, caller)
    # when
    payload = await complete_liveness(
        client, caller, ticket, development_result(app, ticket, passed=False)
    )
    # then
    assert payload["__typename"] == "LivenessCheckFailed"
    assert payload["code"] == "LIVENESS_FAILED"
    assert (await me_identity(client, caller))["assuranceLevel"] == "REAL_NAME"
    assert (await session_document(app, caller.session_id))["real_person_at"] is None
    retry = await complete_liveness(client, caller, ticket, development_result(app, ticket))
    assert retry["code"] == "INVALID_LIVENESS_TICKET"


async def test_tickets_expire_after_ten_minutes(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    caller = await _real_name_caller(client, app)
    ticket = await _ticket(client, caller)
    redis = resources_of(app).redis
    prefix = resources_of(app).settings.redis_key_prefix
    [key] = [key async for key in redis.scan_iter(match=f"{prefix}liveness:*")]
    assert ticket.encode() not in key  # stored under a hash of the ticket
    assert 590 <= await redis.ttl(key) <= 600
    # when: the ten minutes are over
    await redis.delete(key)
    payload = await complete_liveness(client, caller, ticket, development_result(app, ticket))
    # then
    assert payload["code"] == "INVALID_LIVENESS_TICKET"
    assert (await me_identity(client, caller))["assuranceLevel"] == "REAL_NAME"


async def test_starting_checks_is_rate_limited(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    caller = await _real_name_caller(client, app)
    for _ in range(10):
        await _ticket(client, caller)
    # when
    payload = await start_liveness(client, caller)
    # then
    assert payload["__typename"] == "RateLimited"
