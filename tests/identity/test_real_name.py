"""Real-name verification (实名认证) by the carrier check, through ``/graphql``."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from app.demo.people import (
    LI_XIAOYAN,
    LIU_JIANJUN,
    TAN_ZHIQIANG,
    ZENG_ZIXUAN,
    ZHOU_TING,
    id_check_character,
    resident_id_number,
)
from exchange.models import Gender
from identity.models import Gender as IdentityGender
from identity.models import RealName
from identity.repositories.accounts import RealNameBinding
from tests.conftest import graphql
from tests.identity.factories import sign_in
from tests.identity.verification_factories import (
    VERIFY_REAL_NAME,
    account_document,
    accounts_of,
    audit_of,
    me_identity,
    resources_of,
    seed_register,
    sign_in_as,
    start_face_verification,
    verify_as,
    verify_by_face,
    verify_real_name,
)

# Liu's number with a wrong check character (the right one is 0).
BAD_CHECK_DIGIT = LIU_JIANJUN.id_number[:-1] + "1"
# 30 February 1999, with a correct check character, so only the date is wrong.
IMPOSSIBLE_BIRTH_DATE = "43020419990230213" + id_check_character("43020419990230213")
# Well formed, but nobody in the register holds it.
UNKNOWN_ID = resident_id_number("430204", date(1984, 5, 12), 22, Gender.MALE)


@pytest.fixture(autouse=True)
async def _register(app: FastAPI) -> None:
    await seed_register(app)


async def test_verification_raises_the_level_and_me_shows_the_identity_masked(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: signed in with Liu's own phone
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    assert (await me_identity(client, caller))["realName"] is None
    # when
    payload = await verify_real_name(client, caller, "刘建军", LIU_JIANJUN.id_number)
    # then
    assert payload["__typename"] == "RealNameVerified"
    assert payload["assuranceLevel"] == "REAL_NAME"
    me = await me_identity(client, caller)
    assert me["assuranceLevel"] == "REAL_NAME"
    identity = me["realName"]
    assert identity["nameMasked"] == "刘*军"
    assert identity["gender"] == "MALE"
    assert identity["birthDate"] == "1984-05-12"
    assert identity["idNumberMasked"] == "4302**********2130"
    assert identity["verifiedAt"] == payload["verifiedAt"]


async def test_a_lower_case_check_character_is_accepted(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Zhou Ting's number ends in X
    caller = await sign_in_as(client, app, ZHOU_TING)
    assert ZHOU_TING.id_number.endswith("X")
    # when
    payload = await verify_real_name(client, caller, " 周婷 ", ZHOU_TING.id_number.lower())
    # then
    assert payload["__typename"] == "RealNameVerified"
    identity = (await me_identity(client, caller))["realName"]
    assert identity["idNumberMasked"] == "4302**********236X"
    assert identity["nameMasked"] == "周*"
    assert identity["gender"] == "FEMALE"


async def test_the_id_number_and_name_are_never_stored_or_logged_in_clear(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    # Every level of our own loggers; the driver's DEBUG command log (which echoes
    # query filters) stays off, as in the served app (INFO).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="identity")
    caplog.set_level(logging.DEBUG, logger="resolvers")
    # when
    await verify_as(client, caller, LIU_JIANJUN)
    await verify_real_name(client, caller, "刘建军", UNKNOWN_ID)  # a failure is logged too
    # then
    doc = await account_document(app, caller.account_id)
    stored = repr(doc)
    assert LIU_JIANJUN.id_number not in stored
    assert LIU_JIANJUN.name not in stored
    keys = resources_of(app).keys
    assert doc["real_name"]["id_hash"] == keys.lookup.digest(LIU_JIANJUN.id_number)
    assert doc["real_name"]["id_cipher"].startswith("v1:")
    messages = [record.getMessage() for record in caplog.records]
    assert any("identity.real_name.verified" in m for m in messages)
    for secret in (LIU_JIANJUN.id_number, UNKNOWN_ID, LIU_JIANJUN.name):
        assert not any(secret in m for m in messages)


@pytest.mark.parametrize(
    "id_number", [BAD_CHECK_DIGIT, IMPOSSIBLE_BIRTH_DATE, "43020419840512213", "not a number"]
)
async def test_malformed_id_numbers_are_refused_and_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, id_number: str
) -> None:
    # given
    caller = await sign_in(client, app)
    # when
    payload = await verify_real_name(client, caller, "刘建军", id_number)
    # then
    assert payload["__typename"] == "InvalidInput"
    assert payload["code"] == "INVALID_ID_NUMBER"
    assert payload["field"] == "idNumber"
    assert "real_name" not in await account_document(app, caller.account_id)
    assert (await me_identity(client, caller))["assuranceLevel"] == "PHONE"


async def test_a_name_that_does_not_match_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    # when
    payload = await verify_real_name(client, caller, LI_XIAOYAN.name, LIU_JIANJUN.id_number)
    # then
    assert payload["__typename"] == "RealNameMismatch"
    assert payload["code"] == "REAL_NAME_MISMATCH"
    assert "real_name" not in await account_document(app, caller.account_id)
    assert (await me_identity(client, caller))["realName"] is None


async def test_an_unknown_id_number_gets_the_same_answer_as_a_wrong_name(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await sign_in(client, app)
    wrong_name = await verify_real_name(client, caller, LI_XIAOYAN.name, LIU_JIANJUN.id_number)
    # when
    unknown = await verify_real_name(client, caller, LIU_JIANJUN.name, UNKNOWN_ID)
    # then
    assert unknown == wrong_name
    assert "real_name" not in await account_document(app, caller.account_id)


async def test_knowing_the_name_and_id_number_is_not_enough_to_bind(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: a stranger who bought Liu's name and ID number, signed in on their own phone
    stranger = await sign_in(client, app)
    # when
    payload = await verify_real_name(client, stranger, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    # then: the carrier's record of the stranger's phone does not name Liu
    assert payload["__typename"] == "RealNameMismatch"
    assert "real_name" not in await account_document(app, stranger.account_id)
    audit = await audit_of(app).of_account(stranger.account_id)
    assert [(a["event"], a["reason"]) for a in audit] == [("real_name.refused", "carrier_mismatch")]
    # and the real Liu still binds with his own phone
    liu = await sign_in_as(client, app, LIU_JIANJUN)
    await verify_as(client, liu, LIU_JIANJUN)


async def test_every_refusal_looks_the_same_and_only_the_audit_log_knows_why(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Li's number is bound (by face) to an account on another phone
    holder = await sign_in(client, app)
    assert (await verify_by_face(client, app, holder, LI_XIAOYAN))["__typename"] == (
        "RealNameVerified"
    )
    liu, li = await sign_in_as(client, app, LIU_JIANJUN), await sign_in_as(client, app, LI_XIAOYAN)
    # when: an unknown number, a wrong name, another person's data and a bound number
    answers = [
        await verify_real_name(client, liu, LIU_JIANJUN.name, UNKNOWN_ID),
        await verify_real_name(client, liu, LI_XIAOYAN.name, LIU_JIANJUN.id_number),
        await verify_real_name(client, liu, TAN_ZHIQIANG.name, TAN_ZHIQIANG.id_number),
        await verify_real_name(client, li, LI_XIAOYAN.name, LI_XIAOYAN.id_number),
    ]
    # then: byte for byte the same answer
    assert all(answer == answers[0] for answer in answers), answers
    assert answers[0]["__typename"] == "RealNameMismatch"
    assert answers[0]["code"] == "REAL_NAME_MISMATCH"
    audit = audit_of(app)
    reasons = [a["reason"] for a in reversed(await audit.of_account(liu.account_id))]
    assert reasons == ["not_in_register", "name_mismatch", "carrier_mismatch"]
    assert [a["reason"] for a in await audit.of_account(li.account_id)] == ["bound_elsewhere"]


async def test_a_child_under_fourteen_cannot_bind_their_own_id(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Zeng Zixuan was born in 2019 and has no phone; someone tries her ID
    caller = await sign_in(client, app)
    # when
    by_phone = await verify_real_name(client, caller, ZENG_ZIXUAN.name, ZENG_ZIXUAN.id_number)
    by_face = await start_face_verification(client, caller, ZENG_ZIXUAN.name, ZENG_ZIXUAN.id_number)
    # then
    for payload in (by_phone, by_face):
        assert payload["__typename"] == "GuardianRequired"
        assert payload["code"] == "GUARDIAN_REQUIRED"
        assert payload["field"] == "idNumber"
    assert "real_name" not in await account_document(app, caller.account_id)


async def test_failures_on_one_id_number_are_counted_across_accounts(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: five strangers, each on their own phone, fail on Liu's number today
    for _ in range(5):
        stranger = await sign_in(client, app)
        payload = await verify_real_name(client, stranger, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
        assert payload["__typename"] == "RealNameMismatch"
    liu = await sign_in_as(client, app, LIU_JIANJUN)
    # when: the real Liu tries with his own phone
    by_phone = await verify_real_name(client, liu, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    # then: the number now binds only by face, and the face still works for him
    assert by_phone["__typename"] == "RealNameMismatch"
    audit = await audit_of(app).of_account(liu.account_id)
    assert audit[0]["reason"] == "id_needs_face_check"
    assert (await verify_by_face(client, app, liu, LIU_JIANJUN))["__typename"] == (
        "RealNameVerified"
    )
    # and other numbers are not affected
    li = await sign_in_as(client, app, LI_XIAOYAN)
    await verify_as(client, li, LI_XIAOYAN)


async def test_the_unique_index_refuses_a_second_binding_that_skipped_the_check(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: one account holds Liu's number; a second write races past the lookup
    first, second = await sign_in_as(client, app, LIU_JIANJUN), await sign_in(client, app)
    await verify_as(client, first, LIU_JIANJUN)
    accounts = accounts_of(app)
    id_hash = resources_of(app).keys.lookup.digest(LIU_JIANJUN.id_number)
    real_name = RealName(
        name=LIU_JIANJUN.name,
        id_number=LIU_JIANJUN.id_number,
        birth_date=LIU_JIANJUN.birth_date,
        gender=IdentityGender.MALE,
        verified_at=(await account_document(app, first.account_id))["created_at"],
    )
    # when
    outcome = await accounts.bind_real_name(second.account_id, real_name, id_hash)
    # then
    assert outcome is RealNameBinding.ID_TAKEN
    assert "real_name" not in await account_document(app, second.account_id)


async def test_verifying_again_with_the_same_identity_succeeds_unchanged(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    first = await verify_as(client, caller, LIU_JIANJUN)
    # when
    again = await verify_real_name(client, caller, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    # then
    assert again == first


async def test_an_account_cannot_switch_to_another_identity(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    await verify_as(client, caller, LIU_JIANJUN)
    before = await account_document(app, caller.account_id)
    # when
    payload = await verify_real_name(client, caller, LI_XIAOYAN.name, LI_XIAOYAN.id_number)
    # then
    assert payload["__typename"] == "RealNameAlreadyVerified"
    assert payload["code"] == "REAL_NAME_ALREADY_VERIFIED"
    assert await account_document(app, caller.account_id) == before
    # and Li's number is still free for Li
    li = await sign_in_as(client, app, LI_XIAOYAN)
    await verify_as(client, li, LI_XIAOYAN)


async def test_five_failed_attempts_a_day_then_even_correct_data_is_rate_limited(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: five failures of different kinds (bad input counts too)
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    for name, id_number in [
        (LI_XIAOYAN.name, LIU_JIANJUN.id_number),
        (LIU_JIANJUN.name, UNKNOWN_ID),
        (LIU_JIANJUN.name, BAD_CHECK_DIGIT),
        (LIU_JIANJUN.name, IMPOSSIBLE_BIRTH_DATE),
        ("", LIU_JIANJUN.id_number),
    ]:
        payload = await verify_real_name(client, caller, name, id_number)
        assert payload["__typename"] != "RealNameVerified"
        assert payload["__typename"] != "RateLimited"
    # when
    payload = await verify_real_name(client, caller, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    # then
    assert payload["__typename"] == "RateLimited"
    assert 0 < payload["retryAfterSeconds"] <= 86_400
    assert "real_name" not in await account_document(app, caller.account_id)
    # and another account is not affected
    other = await sign_in_as(client, app, LI_XIAOYAN)
    await verify_as(client, other, LI_XIAOYAN)


async def test_parallel_guesses_are_bounded_too(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    # when: ten wrong names sent at once
    payloads = await asyncio.gather(
        *(verify_real_name(client, caller, f"刘建{i}", LIU_JIANJUN.id_number) for i in range(10))
    )
    # then: only five reach the register
    kinds = sorted(p["__typename"] for p in payloads)
    assert kinds == ["RateLimited"] * 5 + ["RealNameMismatch"] * 5


async def test_a_success_does_not_use_up_an_attempt(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: four failures and a success
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    for _ in range(4):
        await verify_real_name(client, caller, LI_XIAOYAN.name, LIU_JIANJUN.id_number)
    await verify_as(client, caller, LIU_JIANJUN)
    # when
    again = await verify_real_name(client, caller, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    # then
    assert again["__typename"] == "RealNameVerified"


async def test_verification_needs_a_signed_in_caller(client: httpx.AsyncClient) -> None:
    # when
    body = await graphql(
        client,
        VERIFY_REAL_NAME,
        {"name": LIU_JIANJUN.name, "idNumber": LIU_JIANJUN.id_number},
    )
    # then
    payload = body["data"]["verifyRealName"]
    assert payload["__typename"] == "AuthenticationRequired"
    assert payload["code"] == "AUTHENTICATION_REQUIRED"
    assert payload["reason"] == "MISSING"
