"""The real SMS adapters against local fakes of Tencent Cloud and Alibaba Cloud SMS.

The fakes (tests/identity/sms_fakes.py) verify each request's signature with their own
implementation of the documented algorithm; the adapters' signing is also checked
against the vendors' published worked examples.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from identity.adapters.sms_aliyun import AliyunSms, rpc_signature
from identity.adapters.sms_common import SmsTemplates, SmsVendorFailure
from identity.adapters.sms_failover import FailoverSms
from identity.adapters.sms_tencent import (
    TencentSms,
    tc3_authorization,
    tc3_canonical_request,
    tc3_string_to_sign,
)
from identity.errors import InvalidPhone, RateLimited
from infra.outages import Unavailable
from tests.identity.sms_fakes import FakeAliyunSms, FakeTencentSms, nowhere, serving

PHONE = "+8613907330001"
TENCENT_ID, TENCENT_KEY = "AKIDfake0123456789", "tencent-secret-key-for-tests"
ALIYUN_ID, ALIYUN_SECRET = "LTAIfake0123456789", "aliyun-secret-for-tests"
TENCENT_TEMPLATES = SmsTemplates.of({"sign_in_code": "1110", "identity_moved": "2220"})
ALIYUN_TEMPLATES = SmsTemplates.of({"sign_in_code": "SMS_1110", "identity_moved": "SMS_2220"})


def tencent(endpoint: str, *, secret_key: str = TENCENT_KEY, timeout: float = 1.0) -> TencentSms:
    return TencentSms(
        secret_id=TENCENT_ID,
        secret_key=secret_key,
        sdk_app_id="1400006666",
        sign_name="智慧株洲",
        templates=TENCENT_TEMPLATES,
        endpoint=endpoint,
        timeout_seconds=timeout,
    )


def aliyun(endpoint: str, *, secret: str = ALIYUN_SECRET, timeout: float = 1.0) -> AliyunSms:
    return AliyunSms(
        access_key_id=ALIYUN_ID,
        access_key_secret=secret,
        sign_name="智慧株洲",
        templates=ALIYUN_TEMPLATES,
        endpoint=endpoint,
        timeout_seconds=timeout,
    )


@dataclass
class Vendors:
    tencent: FakeTencentSms
    tencent_url: str
    aliyun: FakeAliyunSms
    aliyun_url: str


@pytest.fixture
async def fakes() -> AsyncIterator[Vendors]:
    fake_tencent = FakeTencentSms(TENCENT_ID, TENCENT_KEY)
    fake_aliyun = FakeAliyunSms(ALIYUN_ID, ALIYUN_SECRET)
    async with serving(fake_tencent) as tencent_url, serving(fake_aliyun) as aliyun_url:
        yield Vendors(fake_tencent, tencent_url, fake_aliyun, aliyun_url)


# --- signing, against the vendors' published worked examples -------------------------


def test_tc3_canonical_request_and_string_to_sign_match_tencents_worked_example() -> None:
    # Tencent's signature document: DescribeInstances on cvm at 1551113065 (its keys are
    # masked, so the canonical request's hash and the string to sign are what it pins).
    payload = (
        b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    )
    canonical = tc3_canonical_request(
        host="cvm.tencentcloudapi.com", action="DescribeInstances", payload=payload
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
    )
    assert tc3_string_to_sign(canonical, timestamp=1551113065, service="cvm") == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
    )


def test_rpc_signature_matches_alibabas_worked_example() -> None:
    # Alibaba Cloud's RPC signature document: DescribeRegions signed with "testsecret".
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert rpc_signature(params, "testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


# --- Tencent ---------------------------------------------------------------------------


async def test_tencent_sends_the_code_signed_in_e164_with_the_configured_template(
    fakes: Vendors,
) -> None:
    sms = tencent(fakes.tencent_url)
    await sms.send_sign_in_code(PHONE, "123456")
    assert fakes.tencent.refused_signatures == 0
    assert fakes.tencent.accepted == [
        {
            "PhoneNumberSet": [PHONE],
            "SmsSdkAppId": "1400006666",
            "SignName": "智慧株洲",
            "TemplateId": "1110",
            "TemplateParamSet": ["123456"],
        }
    ]
    assert sms.last_outcome is not None
    assert sms.last_outcome.outcome == "ok"
    await sms.aclose()


async def test_tencent_sends_a_notice_with_its_own_template_and_no_parameter(
    fakes: Vendors,
) -> None:
    sms = tencent(fakes.tencent_url)
    await sms.send_notice(PHONE, "identity_moved")
    [request] = fakes.tencent.accepted
    assert (request["TemplateId"], request["TemplateParamSet"]) == ("2220", [])
    # a notice without a template fails on our side (another vendor may have it)
    with pytest.raises(SmsVendorFailure) as failed:
        await sms.send_notice(PHONE, "unknown_notice")
    assert failed.value.reason == "refused"
    assert len(fakes.tencent.accepted) == 1
    await sms.aclose()


async def test_the_tencent_fake_refuses_a_wrong_signature(fakes: Vendors) -> None:
    sms = tencent(fakes.tencent_url, secret_key="not-the-shared-secret")
    with pytest.raises(SmsVendorFailure) as failed:
        await sms.send_sign_in_code(PHONE, "123456")
    assert (failed.value.reason, failed.value.code) == (
        "credentials_refused",
        "AuthFailure.SignatureFailure",
    )
    assert fakes.tencent.refused_signatures == 1
    assert fakes.tencent.accepted == []
    assert sms.last_outcome is not None
    assert sms.last_outcome.outcome == "credentials_refused"
    await sms.aclose()


async def test_the_tencent_fake_refuses_a_signature_made_for_another_body(
    fakes: Vendors,
) -> None:
    # The fake's check covers the body: a valid signature moved onto another request fails.
    signed = b'{"PhoneNumberSet":["+8613907330001"],"TemplateId":"1110"}'
    altered = b'{"PhoneNumberSet":["+8613907330002"],"TemplateId":"1110"}'
    now = int(time.time())
    host = fakes.tencent_url.removeprefix("http://")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Timestamp": str(now),
        "Authorization": tc3_authorization(
            secret_id=TENCENT_ID,
            secret_key=TENCENT_KEY,
            host=host,
            action="SendSms",
            payload=signed,
            timestamp=now,
        ),
    }
    async with httpx.AsyncClient(trust_env=False) as client:
        refused = await client.post(fakes.tencent_url + "/", content=altered, headers=headers)
        accepted = await client.post(fakes.tencent_url + "/", content=signed, headers=headers)
    assert refused.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert "Error" not in accepted.json()["Response"]
    assert fakes.tencent.refused_signatures == 1


@pytest.mark.parametrize(
    ("code", "wait"),
    [
        ("LimitExceeded.PhoneNumberThirtySecondLimit", 30),
        ("LimitExceeded.PhoneNumberOneHourLimit", 3600),
        ("LimitExceeded.PhoneNumberDailyLimit", 86400),
    ],
)
async def test_tencent_rate_limiting_of_the_number_is_a_typed_refusal(
    fakes: Vendors, code: str, wait: int
) -> None:
    fakes.tencent.answer = f"code:{code}"
    sms = tencent(fakes.tencent_url)
    with pytest.raises(RateLimited) as limited:
        await sms.send_sign_in_code(PHONE, "123456")
    assert limited.value.retry_after == wait
    assert sms.last_outcome is not None
    assert (sms.last_outcome.outcome, sms.last_outcome.code) == ("refused_user", "RATE_LIMITED")
    await sms.aclose()


@pytest.mark.parametrize(
    "answer",
    [
        "code:InvalidParameterValue.IncorrectPhoneNumber",
        "error:InvalidParameterValue.IncorrectPhoneNumber",
    ],
)
async def test_tencent_invalid_number_is_a_typed_refusal(fakes: Vendors, answer: str) -> None:
    fakes.tencent.answer = answer
    sms = tencent(fakes.tencent_url)
    with pytest.raises(InvalidPhone):
        await sms.send_sign_in_code(PHONE, "123456")
    await sms.aclose()


async def test_a_number_not_in_e164_is_refused_before_any_call(fakes: Vendors) -> None:
    sms = tencent(fakes.tencent_url)
    with pytest.raises(InvalidPhone):
        await sms.send_sign_in_code("13907330001", "123456")
    assert fakes.tencent.calls == 0
    await sms.aclose()


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("code:FailedOperation.InsufficientBalanceInSmsPackage", "insufficient_balance"),
        ("code:FailedOperation.TemplateIncorrectOrUnapproved", "template_not_approved"),
        ("error:FailedOperation.SignatureIncorrectOrUnapproved", "template_not_approved"),
        ("error:RequestLimitExceeded", "throttled"),
        ("error:InternalError.ServerError", "down"),
        ("code:LimitExceeded.AppDailyLimit", "quota_exhausted"),
        ("error:UnauthorizedOperation.SmsSdkAppIdVerifyFail", "credentials_refused"),
        ("error:FailedOperation.SomethingNew", "refused"),
        ("http503", "down"),
        ("not_json", "malformed_answer"),
        ("oversized", "malformed_answer"),
        ("truncated", "down"),
    ],
)
async def test_tencent_failures_of_its_own_or_ours_are_vendor_failures(
    fakes: Vendors, answer: str, reason: str
) -> None:
    fakes.tencent.answer = answer
    sms = tencent(fakes.tencent_url)
    with pytest.raises(SmsVendorFailure) as failed:
        await sms.send_sign_in_code(PHONE, "123456")
    assert failed.value.reason == reason
    # sending is not idempotent: an answer that came (however bad) is never re-sent
    assert fakes.tencent.calls == 1
    assert sms.last_outcome is not None
    assert sms.last_outcome.outcome == reason
    await sms.aclose()


async def test_a_slow_tencent_fails_within_the_budget_and_is_not_retried(fakes: Vendors) -> None:
    fakes.tencent.answer = "slow"
    sms = tencent(fakes.tencent_url, timeout=0.4)
    started = time.monotonic()
    with pytest.raises(SmsVendorFailure) as failed:
        await sms.send_sign_in_code(PHONE, "123456")
    assert time.monotonic() - started < 1.0
    assert failed.value.reason == "timeout"
    assert fakes.tencent.calls == 1
    await sms.aclose()


async def test_a_tencent_that_is_down_is_a_vendor_failure() -> None:
    sms = tencent(nowhere())
    with pytest.raises(SmsVendorFailure) as failed:
        await sms.send_sign_in_code(PHONE, "123456")
    assert (failed.value.reason, failed.value.code) == ("down", "connect_failed")
    await sms.aclose()


# --- Alibaba ---------------------------------------------------------------------------


async def test_aliyun_sends_the_code_signed_with_the_mainland_number_and_template(
    fakes: Vendors,
) -> None:
    sms = aliyun(fakes.aliyun_url)
    await sms.send_sign_in_code(PHONE, "123456")
    assert fakes.aliyun.refused_signatures == 0
    [request] = fakes.aliyun.accepted
    assert request["Action"] == "SendSms"
    assert request["Version"] == "2017-05-25"
    assert request["PhoneNumbers"] == "13907330001"
    assert request["SignName"] == "智慧株洲"
    assert request["TemplateCode"] == "SMS_1110"
    assert request["TemplateParam"] == '{"code":"123456"}'
    await sms.send_notice(PHONE, "identity_moved")
    assert fakes.aliyun.accepted[1]["TemplateCode"] == "SMS_2220"
    assert "TemplateParam" not in fakes.aliyun.accepted[1]
    assert sms.last_outcome is not None
    assert sms.last_outcome.outcome == "ok"
    await sms.aclose()


async def test_the_aliyun_fake_refuses_a_wrong_signature(fakes: Vendors) -> None:
    sms = aliyun(fakes.aliyun_url, secret="not-the-shared-secret")
    with pytest.raises(SmsVendorFailure) as failed:
        await sms.send_sign_in_code(PHONE, "123456")
    assert (failed.value.reason, failed.value.code) == (
        "credentials_refused",
        "SignatureDoesNotMatch",
    )
    assert fakes.aliyun.refused_signatures == 1
    assert fakes.aliyun.accepted == []
    await sms.aclose()


@pytest.mark.parametrize(
    ("message", "wait"),
    [
        ("触发分钟级流控Permits:1", 60),
        ("触发小时级流控Permits:5", 3600),
        ("触发天级流控Permits:10", 86400),
    ],
)
async def test_aliyun_rate_limiting_of_the_number_is_a_typed_refusal(
    fakes: Vendors, message: str, wait: int
) -> None:
    fakes.aliyun.answer = f"code:isv.BUSINESS_LIMIT_CONTROL:{message}"
    sms = aliyun(fakes.aliyun_url)
    with pytest.raises(RateLimited) as limited:
        await sms.send_sign_in_code(PHONE, "123456")
    assert limited.value.retry_after == wait
    await sms.aclose()


async def test_aliyun_invalid_number_is_a_typed_refusal(fakes: Vendors) -> None:
    fakes.aliyun.answer = "code:isv.MOBILE_NUMBER_ILLEGAL"
    sms = aliyun(fakes.aliyun_url)
    with pytest.raises(InvalidPhone):
        await sms.send_sign_in_code(PHONE, "123456")
    await sms.aclose()


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("code:isv.AMOUNT_NOT_ENOUGH", "insufficient_balance"),
        ("code:isv.SMS_TEMPLATE_ILLEGAL", "template_not_approved"),
        ("code:isp.SYSTEM_ERROR", "down"),
        ("code:Throttling.User", "throttled"),
        ("http503", "down"),
        ("not_json", "malformed_answer"),
        ("oversized", "malformed_answer"),
        ("truncated", "down"),
    ],
)
async def test_aliyun_failures_of_its_own_or_ours_are_vendor_failures(
    fakes: Vendors, answer: str, reason: str
) -> None:
    fakes.aliyun.answer = answer
    sms = aliyun(fakes.aliyun_url)
    with pytest.raises(SmsVendorFailure) as failed:
        await sms.send_sign_in_code(PHONE, "123456")
    assert failed.value.reason == reason
    assert fakes.aliyun.calls == 1
    await sms.aclose()


# --- failover --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "code:FailedOperation.InsufficientBalanceInSmsPackage",
        "code:FailedOperation.TemplateIncorrectOrUnapproved",
        "http503",
        "slow",
        "not_json",
    ],
)
async def test_failover_sends_through_aliyun_when_tencent_fails_on_its_side(
    fakes: Vendors, answer: str
) -> None:
    fakes.tencent.answer = answer
    sms = FailoverSms(tencent(fakes.tencent_url, timeout=0.4), aliyun(fakes.aliyun_url))
    await sms.send_sign_in_code(PHONE, "123456")
    assert len(fakes.tencent.accepted) == 1
    [request] = fakes.aliyun.accepted
    assert request["TemplateParam"] == '{"code":"123456"}'
    outcomes = sms.outcomes()
    assert outcomes["sms.aliyun"] is not None
    assert outcomes["sms.aliyun"].outcome == "ok"
    assert outcomes["sms.tencent"] is not None
    assert outcomes["sms.tencent"].outcome != "ok"
    await sms.aclose()


async def test_failover_when_tencent_is_down(fakes: Vendors) -> None:
    sms = FailoverSms(tencent(nowhere()), aliyun(fakes.aliyun_url))
    await sms.send_notice(PHONE, "identity_moved")
    assert [r["TemplateCode"] for r in fakes.aliyun.accepted] == ["SMS_2220"]
    await sms.aclose()


@pytest.mark.parametrize(
    ("answer", "refusal"),
    [
        ("code:InvalidParameterValue.IncorrectPhoneNumber", InvalidPhone),
        ("code:LimitExceeded.PhoneNumberThirtySecondLimit", RateLimited),
    ],
)
async def test_no_failover_when_tencent_refuses_for_the_numbers_reason(
    fakes: Vendors, answer: str, refusal: type[Exception]
) -> None:
    fakes.tencent.answer = answer
    sms = FailoverSms(tencent(fakes.tencent_url), aliyun(fakes.aliyun_url))
    with pytest.raises(refusal):
        await sms.send_sign_in_code(PHONE, "123456")
    assert fakes.aliyun.calls == 0
    await sms.aclose()


async def test_when_every_vendor_fails_the_caller_is_told_to_retry_later(fakes: Vendors) -> None:
    fakes.tencent.answer = "code:FailedOperation.InsufficientBalanceInSmsPackage"
    fakes.aliyun.answer = "code:isv.AMOUNT_NOT_ENOUGH"
    sms = FailoverSms(tencent(fakes.tencent_url), aliyun(fakes.aliyun_url))
    with pytest.raises(Unavailable) as unavailable:
        await sms.send_sign_in_code(PHONE, "123456")
    assert not isinstance(unavailable.value, SmsVendorFailure)
    assert unavailable.value.part == "sms"
    assert unavailable.value.retry_after > 0
    await sms.aclose()


def test_failover_needs_two_vendors() -> None:
    with pytest.raises(ValueError, match="two vendors"):
        FailoverSms(tencent(nowhere()))
