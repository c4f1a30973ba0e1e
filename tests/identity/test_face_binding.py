"""Binding an identity by face (刷脸实名) and moving a number bound elsewhere."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from app.demo.people import LI_XIAOYAN, LIU_JIANJUN
from identity.adapters.sms import DevelopmentSms
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.identity.verification_factories import (
    account_document,
    another_session,
    audit_of,
    complete_face_verification,
    complete_liveness,
    development_result,
    me_identity,
    resources_of,
    seed_register,
    session_document,
    sign_in_verified,
    start_face_verification,
    start_liveness,
    verify_by_face,
    verify_real_name,
)

ME_ID = "{ me { id } }"
REFRESH = """
mutation ($token: String!) {
  refreshToken(refreshToken: $token) {
    __typename ... on TokensRefreshed { tokens { accessToken } } }
}
"""


@pytest.fixture(autouse=True)
async def _register(app: FastAPI) -> None:
    await seed_register(app)


def _claims(access_token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return claims


async def _started(
    client: httpx.AsyncClient, caller: SignedInCaller, name: str, id_number: str
) -> str:
    started = await start_face_verification(client, caller, name, id_number)
    assert started["__typename"] == "LivenessCheckStarted", started
    ticket: str = started["ticket"]
    return ticket


async def test_a_face_check_binds_the_identity_and_raises_only_this_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Liu on a phone the carrier does not have in his name, on two devices
    phone_session = await sign_in(client, app, device="Phone")
    tablet_session = await another_session(client, app, phone_session.phone, "Tablet")
    assert (await verify_real_name(client, phone_session, LIU_JIANJUN.name, LIU_JIANJUN.id_number))[
        "__typename"
    ] == "RealNameMismatch"
    # when
    payload = await verify_by_face(client, app, phone_session, LIU_JIANJUN)
    # then
    assert payload["__typename"] == "RealNameVerified"
    assert payload["assuranceLevel"] == "REAL_PERSON"
    verified_at = datetime.fromisoformat(payload["verifiedAt"])
    # the session is raised just after the binding is written: 15 minutes from then
    lasts = datetime.fromisoformat(payload["realPersonUntil"]) - verified_at
    assert timedelta(minutes=15) <= lasts < timedelta(minutes=15, seconds=5)
    me = await me_identity(client, phone_session)
    assert me["assuranceLevel"] == "REAL_PERSON"
    assert me["realName"]["idNumber"]["value"] == LIU_JIANJUN.id_number
    # and the account's other session holds the identity but not the face check
    tablet = await me_identity(client, tablet_session)
    assert tablet["assuranceLevel"] == "REAL_NAME"
    assert tablet["realName"]["idNumber"]["__typename"] == "StepUpRequired"
    audit = await audit_of(app).of_account(phone_session.account_id)
    assert audit[0]["event"] == "real_name.bound_by_face"


async def test_a_pass_in_one_session_gives_a_new_sign_in_no_level_three(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Liu passed a liveness check on his phone a moment ago
    phone = await sign_in_verified(client, app, LIU_JIANJUN, device="Phone")
    ticket = (await start_liveness(client, phone))["ticket"]
    passed = await complete_liveness(client, phone, ticket, development_result(app, ticket))
    assert passed["assuranceLevel"] == "REAL_PERSON"
    # when: a fresh SMS-only sign-in on another device, within the 15 minutes
    other = await another_session(client, app, phone.phone, "Other device")
    # then: that session is level 2, its token says so, and the full ID stays hidden
    assert _claims(other.access_token)["acr"] == "2"
    assert _claims(other.access_token)["amr"] == ["sms"]
    me = await me_identity(client, other)
    assert me["assuranceLevel"] == "REAL_NAME"
    assert me["realName"]["idNumber"]["__typename"] == "StepUpRequired"
    # and the session that passed says how it got there when its tokens are renewed
    body = await as_caller(client, phone, REFRESH, {"token": phone.refresh_token})
    renewed = _claims(body["data"]["refreshToken"]["tokens"]["accessToken"])
    assert (renewed["acr"], renewed["amr"]) == ("3", ["sms", "face"])


async def test_a_number_bound_elsewhere_moves_after_a_face_check(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # given: Liu's number is bound to his old account, which represents an enterprise,
    # granted an agent and is an agent elsewhere
    old = await sign_in_verified(client, app, LIU_JIANJUN)
    database = resources_of(app).database
    now = datetime.now(UTC)
    await database["enterprises"].insert_one(
        {
            "_id": "91430204MA4L2C7K5F",
            "name": {"zh": "示范", "en": "Demo"},
            "legal_representative_account_id": old.account_id,
            "legal_representative_id_hash": "h",
            "claimed_at": now,
        }
    )
    grant = {"scopes": ["profile:read"], "expires_at": now + timedelta(days=30), "revoked_at": None}
    await database["agent_grants"].insert_many(
        [
            {
                "_id": "agr_given",
                "uscc": "U1",
                "agent_account_id": "acc_x",
                "granted_by": old.account_id,
                **grant,
            },
            {
                "_id": "agr_held",
                "uscc": "U2",
                "agent_account_id": old.account_id,
                "granted_by": "acc_y",
                **grant,
            },
            {
                "_id": "agr_other",
                "uscc": "U3",
                "agent_account_id": "acc_z",
                "granted_by": "acc_y",
                **grant,
            },
        ]
    )
    caplog.set_level(logging.INFO)
    new = await sign_in(client, app)
    # when: Liu, on his new number, proves it by face
    payload = await verify_by_face(client, app, new, LIU_JIANJUN)
    # then: the identity is the new account's
    assert payload["__typename"] == "RealNameVerified"
    assert (await me_identity(client, new))["realName"]["nameMasked"] == "刘*军"
    old_doc = await account_document(app, old.account_id)
    assert "real_name" not in old_doc
    # and the old account's sessions, grants and claims ended with it
    ended = await as_caller(client, old, ME_ID)
    assert ended["errors"][0]["extensions"]["reason"] == "REVOKED"
    assert (await session_document(app, old.session_id))["revoke_reason"] == "identity_moved"
    grants = {g["_id"]: g async for g in database["agent_grants"].find()}
    assert grants["agr_given"]["revoke_reason"] == "identity_moved"
    assert grants["agr_held"]["revoke_reason"] == "identity_moved"
    assert grants["agr_other"]["revoked_at"] is None
    assert await database["enterprises"].count_documents({}) == 0
    # and the old phone was told, the move audited, and nothing personal logged
    assert (old.phone, "identity_moved") in app.state.services.get(DevelopmentSms).notices
    audit = await audit_of(app).of_account(new.account_id)
    assert audit[0]["event"] == "real_name.moved"
    assert audit[0]["other_account_id"] == old.account_id
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "identity.real_name.moved" in messages
    for secret in (LIU_JIANJUN.id_number, LIU_JIANJUN.name, old.phone, old.phone[3:]):
        assert secret not in messages


async def test_a_face_ticket_works_only_in_the_session_that_started_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: a check started on one device; its result reaches another of the account's
    first = await sign_in(client, app, device="First")
    second = await another_session(client, app, first.phone, "Second")
    ticket = await _started(client, first, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    result = development_result(app, ticket)
    # when
    elsewhere = await complete_face_verification(client, second, ticket, result)
    # then
    assert elsewhere["__typename"] == "LivenessCheckFailed"
    assert elsewhere["code"] == "INVALID_LIVENESS_TICKET"
    assert "real_name" not in await account_document(app, first.account_id)
    # and the session that started it can still finish
    assert (await complete_face_verification(client, first, ticket, result))["__typename"] == (
        "RealNameVerified"
    )


async def test_tickets_serve_only_the_purpose_they_were_started_for(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: a verified citizen with a step-up ticket and a (re)binding ticket
    liu = await sign_in_verified(client, app, LIU_JIANJUN)
    step_up = (await start_liveness(client, liu))["ticket"]
    binding = await _started(client, liu, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    # when: each is completed through the other mutation
    as_binding = await complete_face_verification(
        client, liu, step_up, development_result(app, step_up)
    )
    as_step_up = await complete_liveness(client, liu, binding, development_result(app, binding))
    # then: both are refused and the session stays at level 2
    assert as_binding["code"] == "INVALID_LIVENESS_TICKET"
    assert as_step_up["code"] == "INVALID_LIVENESS_TICKET"
    assert (await me_identity(client, liu))["assuranceLevel"] == "REAL_NAME"
    assert (await session_document(app, liu.session_id))["real_person_at"] is None


async def test_a_failed_face_check_binds_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    caller = await sign_in(client, app)
    ticket = await _started(client, caller, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    # when
    payload = await complete_face_verification(
        client, caller, ticket, development_result(app, ticket, passed=False)
    )
    # then
    assert payload["__typename"] == "LivenessCheckFailed"
    assert payload["code"] == "LIVENESS_FAILED"
    assert "real_name" not in await account_document(app, caller.account_id)
    assert (await session_document(app, caller.session_id))["real_person_at"] is None


async def test_a_face_check_for_a_name_the_register_does_not_hold_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await sign_in(client, app)
    ticket = await _started(client, caller, LI_XIAOYAN.name, LIU_JIANJUN.id_number)
    # when
    payload = await complete_face_verification(
        client, caller, ticket, development_result(app, ticket)
    )
    # then
    assert payload["__typename"] == "RealNameMismatch"
    assert "real_name" not in await account_document(app, caller.account_id)
    audit = await audit_of(app).of_account(caller.account_id)
    assert audit[0]["reason"] == "name_mismatch"


async def test_the_claimed_identity_rests_in_redis_only_encrypted(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await sign_in(client, app)
    # when
    ticket = await _started(client, caller, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    # then: no key or value under the test's prefix holds the name, number or ticket
    redis = resources_of(app).redis
    prefix = resources_of(app).settings.redis_key_prefix
    stored = []
    async for key in redis.scan_iter(match=f"{prefix}*"):
        kind = await redis.type(key)
        value = await redis.hgetall(key) if kind in {b"hash", "hash"} else await redis.get(key)
        stored.append(repr(key) + repr(value))
    dump = " ".join(stored)
    assert "liveness" in dump
    for secret in (LIU_JIANJUN.id_number, LIU_JIANJUN.name, ticket):
        assert secret not in dump
        assert secret.encode("unicode_escape").decode() not in dump
