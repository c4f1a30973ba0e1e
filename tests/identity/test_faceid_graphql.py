"""FaceID wired by the settings alone, through ``/graphql``: three-factor binding, face
binding and the step-up, with the verdict fetched server-side from the fake."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.settings import Settings
from demo.data.people import LI_XIAOYAN, LIU_JIANJUN
from demo.exchange.models import ResidentRecord
from tests.identity.factories import SignedInCaller, redis_keys
from tests.identity.identity_vendor_fakes import (
    MEDIA_MARK,
    FakeFaceId,
    app_with_vendors,
    rsa_key,
    serve,
)
from tests.identity.verification_factories import (
    complete_face_verification,
    complete_liveness,
    me_identity,
    phone_of,
    seed_register,
    sign_in_as,
    sign_in_verified,
    start_face_verification,
    start_liveness,
    verify_real_name,
)


@pytest.fixture
async def faceid() -> AsyncIterator[FakeFaceId]:
    fake = FakeFaceId(
        "AKIDgraphql00000000000000000000000", "graphql-secret", encryption_key=rsa_key()
    )
    for person in (LIU_JIANJUN, LI_XIAOYAN):
        fake.phones[phone_of(person)[3:]] = (person.name, person.id_number)
    async with serve(fake.app) as url:
        fake.url = url
        yield fake


@pytest.fixture
async def app(settings: Settings, tmp_path: Path, faceid: FakeFaceId) -> AsyncIterator[FastAPI]:
    async with app_with_vendors(settings, tmp_path, faceid=faceid) as application:
        await seed_register(application)
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _started(
    client: httpx.AsyncClient, app: FastAPI, person: ResidentRecord
) -> tuple[SignedInCaller, str]:
    caller = await sign_in_verified(client, app, person)
    started = await start_liveness(client, caller)
    assert started["__typename"] == "LivenessCheckStarted", started
    assert started["provider"] == "tencent-faceid"
    ticket: str = started["ticket"]  # the BizToken, for the mini-program plugin or app SDK
    assert started["url"] == f"https://h5.faceid.qq.com/api/web/index?token={ticket}"
    return caller, ticket


async def test_three_factor_binding_asks_the_carrier_through_faceid(
    app: FastAPI, client: httpx.AsyncClient, faceid: FakeFaceId
) -> None:
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    # someone else's name and ID number on this phone: the carrier says no
    refused = await verify_real_name(client, caller, LI_XIAOYAN.name, LI_XIAOYAN.id_number)
    assert refused["__typename"] != "RealNameVerified"
    verified = await verify_real_name(client, caller, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    assert verified["__typename"] == "RealNameVerified"
    assert [call["Phone"] for call in faceid.calls_of("PhoneVerification")] == [
        phone_of(LIU_JIANJUN)[3:]
    ] * 2
    assert faceid.refused_signatures == 0


async def test_a_passed_step_up_fetches_the_verdict_once_and_no_photo(
    app: FastAPI, client: httpx.AsyncClient, faceid: FakeFaceId
) -> None:
    # given a started check the citizen passed
    caller, ticket = await _started(client, app, LIU_JIANJUN)
    detect = faceid.calls_of("DetectAuth")[0]
    assert (detect["IdCard"], detect["Name"]) == (LIU_JIANJUN.id_number, LIU_JIANJUN.name)
    faceid.finish(ticket, similarity="88.0")
    # when it is completed (the client's result is not what counts)
    passed = await complete_liveness(client, caller, ticket, ticket)
    # then the session holds level 3, from a text-only fetch
    assert passed["__typename"] == "LivenessCheckPassed"
    assert (await me_identity(client, caller))["assuranceLevel"] == "REAL_PERSON"
    assert [call["InfoType"] for call in faceid.calls_of("GetDetectInfoEnhanced")] == ["1"]
    # and fetching it a second time is refused without asking the vendor again
    again = await complete_liveness(client, caller, ticket, ticket)
    assert again["code"] == "INVALID_LIVENESS_TICKET"
    assert len(faceid.calls_of("GetDetectInfoEnhanced")) == 1


@pytest.mark.parametrize(
    ("live", "similarity"), [(1, "95.0"), (0, "61.0")], ids=["liveness-failed", "low-similarity"]
)
async def test_a_failed_liveness_or_a_low_similarity_does_not_step_up(
    app: FastAPI, client: httpx.AsyncClient, faceid: FakeFaceId, live: int, similarity: str
) -> None:
    caller, ticket = await _started(client, app, LIU_JIANJUN)
    faceid.finish(ticket, live=live, similarity=similarity)
    failed = await complete_liveness(client, caller, ticket, ticket)
    assert failed["code"] == "LIVENESS_FAILED"
    assert (await me_identity(client, caller))["assuranceLevel"] == "REAL_NAME"


async def test_an_unfinished_capture_keeps_the_ticket_for_a_later_completion(
    app: FastAPI, client: httpx.AsyncClient, faceid: FakeFaceId
) -> None:
    caller, ticket = await _started(client, app, LIU_JIANJUN)
    early = await complete_liveness(client, caller, ticket, ticket)
    assert early["code"] == "INVALID_LIVENESS_RESULT"
    faceid.finish(ticket)
    assert (await complete_liveness(client, caller, ticket, ticket))["__typename"] == (
        "LivenessCheckPassed"
    )


async def test_another_accounts_biz_token_or_its_result_is_refused(
    app: FastAPI, client: httpx.AsyncClient, faceid: FakeFaceId
) -> None:
    # given two citizens with started checks; the other one passed
    me, mine = await _started(client, app, LIU_JIANJUN)
    _, theirs = await _started(client, app, LI_XIAOYAN)
    faceid.finish(theirs)
    # when I present their BizToken: refused before the vendor is asked
    foreign = await complete_liveness(client, me, theirs, theirs)
    assert foreign["code"] == "INVALID_LIVENESS_TICKET"
    assert faceid.calls_of("GetDetectInfoEnhanced") == []
    # when the vendor answers my BizToken with their result: refused, no step-up
    faceid.serve_result_of[mine] = theirs
    misrouted = await complete_liveness(client, me, mine, mine)
    assert misrouted["code"] == "INVALID_LIVENESS_RESULT"
    assert (await me_identity(client, me))["assuranceLevel"] == "REAL_NAME"


async def test_binding_by_face_compares_with_the_claimed_identity(
    app: FastAPI, client: httpx.AsyncClient, faceid: FakeFaceId
) -> None:
    caller = await sign_in_as(client, app, LIU_JIANJUN)
    started = await start_face_verification(client, caller, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    assert started["__typename"] == "LivenessCheckStarted", started
    assert faceid.calls_of("DetectAuth")[0]["IdCard"] == LIU_JIANJUN.id_number
    faceid.finish(started["ticket"])
    bound = await complete_face_verification(client, caller, started["ticket"], "")
    assert bound["__typename"] == "RealNameVerified", bound
    assert bound["assuranceLevel"] == "REAL_PERSON"


async def test_the_vendors_rate_limit_answers_service_unavailable_and_keeps_the_ticket(
    app: FastAPI, client: httpx.AsyncClient, faceid: FakeFaceId
) -> None:
    caller, ticket = await _started(client, app, LIU_JIANJUN)
    faceid.finish(ticket)
    faceid.mode = "rate_limited"
    throttled = await complete_liveness(client, caller, ticket, ticket)
    assert throttled["__typename"] == "ServiceUnavailable", throttled
    faceid.mode = None
    passed = await complete_liveness(client, caller, ticket, ticket)
    assert passed["__typename"] == "LivenessCheckPassed"


async def test_photos_and_videos_a_vendor_sends_anyway_are_never_stored(
    app: FastAPI,
    client: httpx.AsyncClient,
    faceid: FakeFaceId,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a vendor that answers the best frame and the video though only text was asked
    caplog.set_level(logging.DEBUG)
    faceid.send_media = True
    caller, ticket = await _started(client, app, LIU_JIANJUN)
    faceid.finish(ticket)
    # when the check is completed
    passed = await complete_liveness(client, caller, ticket, ticket)
    assert passed["__typename"] == "LivenessCheckPassed", passed
    # then neither the photo nor the video is anywhere: database, Redis or log
    marks = [MEDIA_MARK, base64.b64encode(MEDIA_MARK), base64.b64encode(MEDIA_MARK * 4)]
    database = app.state.resources.database
    for name in await database.list_collection_names():
        async for document in database[name].find():
            stored = repr(document).encode()
            assert not [mark for mark in marks if mark in stored], name
    redis = app.state.resources.redis
    for key in await redis_keys(app):
        kind = await redis.type(key)
        value = await redis.dump(key) if kind != b"none" else b""
        assert not [mark for mark in marks if mark in (value or b"")], key
    logged = "\n".join(record.getMessage() for record in caplog.records).encode()
    assert not [mark for mark in marks[1:] if mark in logged]


async def test_readyz_reports_faceids_last_outcomes_without_calling_it(
    app: FastAPI, client: httpx.AsyncClient, faceid: FakeFaceId
) -> None:
    # before any check: both FaceID adapters known, neither called
    ready = (await client.get("/readyz")).json()
    assert ready["providers"]["faceid.liveness"] == {"outcome": "no call yet"}
    assert ready["providers"]["faceid.carrier_check"] == {"outcome": "no call yet"}
    # after a started check and a throttled verdict fetch
    caller, ticket = await _started(client, app, LIU_JIANJUN)
    faceid.mode = "rate_limited"
    await complete_liveness(client, caller, ticket, ticket)
    calls = len(faceid.calls)
    ready = (await client.get("/readyz")).json()
    liveness = ready["providers"]["faceid.liveness"]
    assert (liveness["outcome"], liveness["code"]) == ("rate_limited", "RequestLimitExceeded")
    assert ready["providers"]["faceid.carrier_check"]["outcome"] == "ok"
    # a vendor's trouble does not take the instance out of service; FaceID was not called
    assert ready["status"] == "ready"
    assert len(faceid.calls) == calls
