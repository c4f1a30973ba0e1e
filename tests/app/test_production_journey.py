"""The whole citizen journey on a production instance, every vendor played by its fake:
SMS sign-in, binding by three factors, the face step-up, the life record, and sign-in
from the WeChat and Alipay mini-programs, all through ``/graphql``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.services import wire_providers
from demo.data.people import LIU_JIANJUN
from tests.app.production import (
    PROVIDENT_FUND_DEPARTMENT,
    ProductionFakes,
    configured,
    environment,
    fakes,
    started,
)
from tests.conftest import graphql
from tests.identity.factories import REQUEST_CODE, SignedInCaller, as_caller, lift_code_cooldown
from tests.identity.verification_factories import (
    complete_liveness,
    me_identity,
    phone_of,
    start_liveness,
    verify_real_name,
)
from tests.liferecord.documents import life_record, life_record_query

__all__ = ["environment", "fakes"]  # the fixtures, shared with the start-up tests

SIGN_IN = """
mutation ($phone: String!, $code: String!, $ticket: String) {
  signIn(phone: $phone, code: $code, miniProgramLinkTicket: $ticket,
         device: {name: "Phone", platform: IOS}) {
    __typename
    ... on SignedIn { accountId assuranceLevel tokens { accessToken refreshToken sessionId } }
    ... on UserError { code field }
  }
}
"""
MINI_SIGN_IN = """
mutation ($platform: MiniProgramPlatform!, $code: String!) {
  signInWithMiniProgram(platform: $platform, code: $code,
                        device: {name: "Mini", platform: WECHAT_MINI_PROGRAM}) {
    __typename
    ... on SignedIn { accountId }
    ... on MiniProgramLinkRequired { linkTicket }
    ... on UserError { code field }
  }
}
"""
PHONE = phone_of(LIU_JIANJUN)


async def sms_sign_in(
    client: httpx.AsyncClient, fakes: ProductionFakes, link_ticket: str | None = None
) -> SignedInCaller:
    """Ask for a code, read it where Tencent SMS received it, and sign in with it."""
    sent = await graphql(client, REQUEST_CODE, {"phone": PHONE})
    assert sent["data"]["requestSignInCode"]["__typename"] == "SignInCodeSent", sent
    code = fakes.sms_codes(PHONE)[-1]
    body = await graphql(client, SIGN_IN, {"phone": PHONE, "code": code, "ticket": link_ticket})
    signed_in = body["data"]["signIn"]
    assert signed_in["__typename"] == "SignedIn", body
    tokens = signed_in["tokens"]
    return SignedInCaller(
        PHONE,
        signed_in["accountId"],
        tokens["accessToken"],
        tokens["refreshToken"],
        tokens["sessionId"],
    )


async def mini_sign_in(client: httpx.AsyncClient, platform: str, code: str) -> dict[str, Any]:
    """``signInWithMiniProgram``'s payload."""
    body = await graphql(client, MINI_SIGN_IN, {"platform": platform, "code": code})
    payload: dict[str, Any] = body["data"]["signInWithMiniProgram"]
    return payload


@pytest.fixture
async def production(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], fakes: ProductionFakes
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The production app started at the fakes, and a client of its HTTP interface."""
    fakes.faceid.phones[PHONE[3:]] = (LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    with configured(monkeypatch, environment) as settings:
        async with started(settings, wire_providers) as app:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                yield app, client


async def test_the_whole_citizen_journey_on_production_against_the_fakes(
    production: tuple[FastAPI, httpx.AsyncClient], fakes: ProductionFakes
) -> None:
    app, client = production
    # 1. SMS sign-in: Tencent SMS receives the code (signed, E.164, our template)
    citizen = await sms_sign_in(client, fakes)
    [sms] = fakes.tencent_sms.accepted
    assert (sms["PhoneNumberSet"], sms["TemplateId"]) == ([PHONE], "1110")
    # 2. binding by three factors: FaceID PhoneVerification asks the carrier, encrypted
    bound = await verify_real_name(client, citizen, LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    assert bound["__typename"] == "RealNameVerified", bound
    [carrier] = fakes.faceid.calls_of("PhoneVerification")
    assert carrier["Phone"] == PHONE[3:]
    assert LIU_JIANJUN.id_number not in str(carrier["_raw"])  # travelled encrypted
    # 3. face step-up: DetectAuth gives the BizToken (ticket) and the web view's URL …
    liveness = await start_liveness(client, citizen)
    assert liveness["provider"] == "tencent-faceid", liveness
    biz_token = liveness["ticket"]
    assert liveness["url"] == f"https://h5.faceid.qq.com/api/web/index?token={biz_token}"
    # … the citizen passes the capture (liveness passed, similarity 92.31 over 80) …
    fakes.faceid.finish(biz_token, live=0, compare=0, similarity="92.31")
    # … and the server fetches the verdict with GetDetectInfoEnhanced
    passed = await complete_liveness(client, citizen, biz_token, "")
    assert passed["__typename"] == "LivenessCheckPassed", passed
    [verdict] = fakes.faceid.calls_of("GetDetectInfoEnhanced")
    assert (verdict["BizToken"], verdict["InfoType"]) == (biz_token, "1")
    assert (await me_identity(client, citizen))["assuranceLevel"] == "REAL_PERSON"
    # 4. the life record, read from the exchange service over signed HTTP
    record = await life_record(client, citizen, life_record_query("providentFund"))
    fund = record["providentFund"]
    assert fund["__typename"] == "ProvidentFundSection", fund
    assert fund["record"]["status"] == "ACTIVE"
    assert fund["record"]["provenance"]["source"] == PROVIDENT_FUND_DEPARTMENT
    # 5. WeChat mini-program: the first sign-in asks to be linked by one SMS sign-in …
    first = await mini_sign_in(client, "WECHAT", fakes.wechat.issue_code("oLiuProd"))
    assert first["__typename"] == "MiniProgramLinkRequired", first
    await lift_code_cooldown(app)
    linked = await sms_sign_in(client, fakes, first["linkTicket"])
    assert linked.account_id == citizen.account_id
    # … then jscode2session alone signs in, and a used js_code is refused
    code = fakes.wechat.issue_code("oLiuProd")
    again = await mini_sign_in(client, "WECHAT", code)
    assert again == {"__typename": "SignedIn", "accountId": citizen.account_id}
    assert (await mini_sign_in(client, "WECHAT", code))["code"] == "INVALID_MINI_PROGRAM_CODE"
    # 6. Alipay mini-program: RSA2 both ways, linked the same way
    on_alipay = await mini_sign_in(client, "ALIPAY", fakes.alipay.issue_code("2088Liu"))
    assert on_alipay["__typename"] == "MiniProgramLinkRequired", on_alipay
    await lift_code_cooldown(app)
    await sms_sign_in(client, fakes, on_alipay["linkTicket"])
    alipay = await mini_sign_in(client, "ALIPAY", fakes.alipay.issue_code("2088Liu"))
    assert alipay == {"__typename": "SignedIn", "accountId": citizen.account_id}
    # every request was signed as each vendor checks it, and nothing failed over
    assert fakes.tencent_sms.refused_signatures == fakes.faceid.refused_signatures == 0
    assert fakes.alipay.refused_signatures == 0
    assert fakes.aliyun_sms.calls == 0
    # and /readyz reports each vendor's last call (WeChat's: the reused js_code refused)
    ready = (await client.get("/readyz")).json()
    assert {name: p["outcome"] for name, p in ready["providers"].items()} == {
        "sms.tencent": "ok",
        "sms.aliyun": "no call yet",
        "faceid.liveness": "ok",
        "faceid.carrier_check": "ok",
        "mini_program.wechat": "refused_user",
        "mini_program.alipay": "ok",
        "exchange": "ok",
    }
    me = await as_caller(client, citizen, "query { me { assuranceLevel } }")
    assert me["data"]["me"]["assuranceLevel"] == "REAL_PERSON"
