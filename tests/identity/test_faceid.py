"""Tencent FaceID adapters against a local fake that checks the TC3 signature itself."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from identity.adapters.faceid import (
    SERVICE,
    VERSION,
    FaceIdLiveness,
    FaceIdPhoneVerification,
    SensitiveFields,
)
from identity.adapters.tencent_cloud import Credential, TencentCloudApi, authorization
from identity.errors import InvalidLivenessResult, RateLimited
from infra.outages import Unavailable
from tests.identity.identity_vendor_fakes import FakeFaceId, public_pem, rsa_key, serve

SECRET_ID = "AKIDfakefaceid0000000000000000000000"
SECRET_KEY = "fake-faceid-secret-key-000000000000"
PHONE, NAME, ID_NUMBER = "+8613800138000", "刘建军", "430203198507150011"


@pytest.fixture
async def fake() -> AsyncIterator[FakeFaceId]:
    faceid = FakeFaceId(SECRET_ID, SECRET_KEY, encryption_key=rsa_key())
    faceid.phones["13800138000"] = (NAME, ID_NUMBER)
    async with serve(faceid.app) as url:
        faceid.url = url
        yield faceid


def _api(
    fake: FakeFaceId, *, secret_key: str = SECRET_KEY, timeout: float = 2.0
) -> TencentCloudApi:
    return TencentCloudApi(
        Credential(SECRET_ID, secret_key),
        service=SERVICE,
        version=VERSION,
        endpoint=fake.url,
        timeout_seconds=timeout,
    )


def _liveness(fake: FakeFaceId, **options: object) -> FaceIdLiveness:
    return FaceIdLiveness(
        _api(fake),
        rule_id="1",
        similarity_threshold=80.0,
        binding_key=b"k" * 32,
        **options,  # type: ignore[arg-type]
    )


async def test_the_fake_recomputes_the_tc3_signature_and_the_carrier_check_confirms(
    fake: FakeFaceId,
) -> None:
    check = FaceIdPhoneVerification(_api(fake))
    assert await check.confirms(PHONE, NAME, ID_NUMBER) is True
    assert fake.refused_signatures == 0
    assert fake.calls_of("PhoneVerification")[0]["Phone"] == "13800138000"


async def test_a_wrong_secret_key_is_refused_by_the_fake_and_the_check_is_unavailable(
    fake: FakeFaceId,
) -> None:
    check = FaceIdPhoneVerification(_api(fake, secret_key="not-the-key"))
    with pytest.raises(Unavailable):
        await check.confirms(PHONE, NAME, ID_NUMBER)
    assert fake.refused_signatures == 1
    assert fake.calls == []


async def test_a_body_changed_after_signing_is_refused(fake: FakeFaceId) -> None:
    # given headers signed for one body
    url: str = fake.url
    host = url.removeprefix("http://")
    now = int(time.time())
    signed = json.dumps({"Phone": "13800138000", "Name": NAME, "IdCard": ID_NUMBER}).encode()
    headers = {
        "Authorization": authorization(
            Credential(SECRET_ID, SECRET_KEY),
            service="faceid",
            host=host,
            body=signed,
            timestamp=now,
        ),
        "Content-Type": "application/json; charset=utf-8",
        "X-TC-Action": "PhoneVerification",
        "X-TC-Timestamp": str(now),
        "X-TC-Version": VERSION,
    }
    async with httpx.AsyncClient() as http:
        # when another body is sent with them
        answer = await http.post(url + "/", content=signed.replace(b"138", b"139"), headers=headers)
        # then the fake refuses the signature, and accepts the body it was made for
        assert answer.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
        accepted = await http.post(url + "/", content=signed, headers=headers)
    assert "Error" not in accepted.json()["Response"]


async def test_the_carrier_says_no_for_another_person_an_unknown_or_a_foreign_phone(
    fake: FakeFaceId,
) -> None:
    check = FaceIdPhoneVerification(_api(fake))
    assert await check.confirms(PHONE, "李小燕", ID_NUMBER) is False
    assert await check.confirms("+8613900139000", NAME, ID_NUMBER) is False
    assert await check.confirms("+85291234567", NAME, ID_NUMBER) is False
    assert len(fake.calls_of("PhoneVerification")) == 2  # the foreign number costs no call


async def test_names_id_numbers_and_phones_travel_encrypted_when_the_key_is_set(
    fake: FakeFaceId,
) -> None:
    assert fake.encryption_key is not None
    cipher = SensitiveFields(public_pem(fake.encryption_key))
    check = FaceIdPhoneVerification(_api(fake), encryption=cipher)
    assert await check.confirms(PHONE, NAME, ID_NUMBER) is True
    call = fake.calls_of("PhoneVerification")[0]
    raw = json.dumps(call["_raw"], ensure_ascii=False)
    assert NAME not in raw
    assert ID_NUMBER not in raw
    assert "13800138000" not in raw
    assert call["_raw"]["Encryption"]["EncryptList"] == ["IdCard", "Name", "Phone"]
    # and DetectAuth sends the name and ID number the same way
    started = await _liveness(fake, encryption=cipher).start(
        "acc_1", id_number=ID_NUMBER, name=NAME
    )
    detect = fake.calls_of("DetectAuth")[0]
    assert (detect["IdCard"], detect["Name"]) == (ID_NUMBER, NAME)
    assert ID_NUMBER not in json.dumps(detect["_raw"])
    assert started.ticket in fake.checks


async def test_the_vendors_rate_limit_is_a_brief_outage_and_the_daily_limit_a_refusal(
    fake: FakeFaceId,
) -> None:
    # the vendor throttling our account is no citizen's doing: retry in a few seconds
    fake.mode = "rate_limited"
    with pytest.raises(Unavailable) as throttled:
        await FaceIdPhoneVerification(_api(fake)).confirms(PHONE, NAME, ID_NUMBER)
    assert throttled.value.retry_after == 5
    with pytest.raises(Unavailable):
        await _liveness(fake).start("acc_1", id_number=ID_NUMBER, name=NAME)
    # a number checked too often today is refused for that citizen; a busy centre is an outage
    fake.mode = None
    fake.phone_results["13800138000"] = "-12"
    with pytest.raises(RateLimited):
        await FaceIdPhoneVerification(_api(fake)).confirms(PHONE, NAME, ID_NUMBER)
    fake.phone_results["13800138000"] = "-11"
    with pytest.raises(Unavailable):
        await FaceIdPhoneVerification(_api(fake)).confirms(PHONE, NAME, ID_NUMBER)


async def test_a_slow_answer_is_unavailable_and_only_the_result_fetch_is_retried(
    fake: FakeFaceId,
) -> None:
    fake.delay_seconds = 1.0
    fast = TencentCloudApi(
        Credential(SECRET_ID, SECRET_KEY),
        service=SERVICE,
        version=VERSION,
        endpoint=fake.url,
        timeout_seconds=0.3,
    )
    with pytest.raises(Unavailable):
        await FaceIdPhoneVerification(fast).confirms(PHONE, NAME, ID_NUMBER)
    liveness = FaceIdLiveness(fast, rule_id="1", similarity_threshold=80, binding_key=b"k" * 32)
    with pytest.raises(Unavailable):
        await liveness.verify_result("", ticket="BIZ", account_id="acc_1")
    await _settle(fake, 3)
    assert len(fake.calls_of("PhoneVerification")) == 1  # billed per call: never retried
    assert len(fake.calls_of("GetDetectInfoEnhanced")) == 2  # a read: retried once


async def _settle(fake: FakeFaceId, expected_calls: int) -> None:
    import asyncio

    for _ in range(100):
        if len(fake.calls) >= expected_calls:
            return
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("mode", ["truncated", "not_json", "oversize", "server_error"])
async def test_a_broken_answer_is_unavailable_never_a_verdict(fake: FakeFaceId, mode: str) -> None:
    fake.mode = mode
    with pytest.raises(Unavailable):
        await FaceIdPhoneVerification(_api(fake)).confirms(PHONE, NAME, ID_NUMBER)
    with pytest.raises(Unavailable):
        await _liveness(fake).verify_result("", ticket="BIZ", account_id="acc_1")


async def test_detect_auth_asks_for_text_only_and_binds_the_check_to_the_account(
    fake: FakeFaceId,
) -> None:
    liveness = _liveness(fake, redirect_url="https://app.example.cn/face-done")
    started = await liveness.start("acc_1", id_number=ID_NUMBER, name=NAME)
    assert started.provider == "tencent-faceid"
    assert started.url is not None
    assert started.ticket in started.url
    fake.finish(started.ticket, similarity="91.5")
    result = await liveness.verify_result("ignored", ticket=started.ticket, account_id="acc_1")
    assert (result.ticket, result.passed) == (started.ticket, True)
    fetch = fake.calls_of("GetDetectInfoEnhanced")[0]
    assert fetch["InfoType"] == "1"
    assert fetch["BizToken"] == started.ticket
    assert fake.calls_of("DetectAuth")[0]["RedirectUrl"] == "https://app.example.cn/face-done"


@pytest.mark.parametrize(
    ("live", "compare", "similarity"),
    [(1, 0, "95.0"), (0, 1, "95.0"), (0, 0, "79.99"), (0, 0, "")],
    ids=["liveness-failed", "comparison-failed", "low-similarity", "no-similarity"],
)
async def test_a_check_passes_only_with_liveness_comparison_and_enough_similarity(
    fake: FakeFaceId, live: int, compare: int, similarity: str
) -> None:
    liveness = _liveness(fake)
    started = await liveness.start("acc_1", id_number=ID_NUMBER, name=NAME)
    fake.finish(started.ticket, live=live, compare=compare, similarity=similarity)
    result = await liveness.verify_result("", ticket=started.ticket, account_id="acc_1")
    assert result.passed is False


async def test_a_result_for_another_accounts_check_or_an_unfinished_one_is_refused(
    fake: FakeFaceId,
) -> None:
    liveness = _liveness(fake)
    mine = await liveness.start("acc_1", id_number=ID_NUMBER, name=NAME)
    theirs = await liveness.start("acc_2", id_number=ID_NUMBER, name=NAME)
    # unfinished: no verdict yet (the ticket stays usable)
    with pytest.raises(InvalidLivenessResult):
        await liveness.verify_result("", ticket=mine.ticket, account_id="acc_1")
    # the vendor answers, for my BizToken, the passed result of another account's check
    fake.finish(theirs.ticket)
    fake.serve_result_of[mine.ticket] = theirs.ticket
    with pytest.raises(InvalidLivenessResult):
        await liveness.verify_result("", ticket=mine.ticket, account_id="acc_1")
    # and their own BizToken presented for my account
    with pytest.raises(InvalidLivenessResult):
        await liveness.verify_result("", ticket=theirs.ticket, account_id="acc_1")
    # an unknown BizToken
    with pytest.raises(InvalidLivenessResult):
        await liveness.verify_result("", ticket="NOT-A-TOKEN", account_id="acc_1")
