"""The whole citizen journey on a production instance, every vendor played by its fake:
SMS sign-in, binding by three factors, the face step-up, the life record, and sign-in
from the WeChat and Alipay mini-programs, all through ``/graphql``. Production runs
trusted documents only (``SZ_GRAPHQL_DOCUMENTS`` defaults to ``trusted-only`` there), so
every operation is the app's own document from ``documents/``, named by ``documentId``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.services import wire_providers
from app.trusted_documents import document_hash, document_text
from demo.data.people import LIU_JIANJUN
from tests.app.production import (
    PROVIDENT_FUND_DEPARTMENT,
    ProductionFakes,
    configured,
    environment,
    fakes,
    started,
)
from tests.identity.factories import SignedInCaller, lift_code_cooldown
from tests.identity.verification_factories import phone_of

__all__ = ["environment", "fakes"]  # the fixtures, shared with the start-up tests

PHONE = phone_of(LIU_JIANJUN)
DEVICE = {"name": "Phone", "platform": "IOS"}
MINI_DEVICE = {"name": "Mini", "platform": "WECHAT_MINI_PROGRAM"}


async def trusted(
    client: httpx.AsyncClient,
    name: str,
    variables: dict[str, Any] | None = None,
    caller: SignedInCaller | None = None,
) -> dict[str, Any]:
    """Run the app's document ``name`` by its id, as the app does in production; its
    payload (the operation's one root field)."""
    response = await client.post(
        "/graphql",
        json={
            "documentId": f"sha256:{document_hash(document_text(name))}",
            "variables": variables or {},
        },
        headers=caller.headers if caller else {},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    [payload] = body["data"].values()
    result: dict[str, Any] = payload
    return result


async def sms_sign_in(
    client: httpx.AsyncClient, fakes: ProductionFakes, link_ticket: str | None = None
) -> SignedInCaller:
    """Ask for a code, read it where Tencent SMS received it, and sign in with it."""
    sent = await trusted(client, "RequestSignInCode", {"phone": PHONE})
    assert sent["__typename"] == "SignInCodeSent", sent
    code = fakes.sms_codes(PHONE)[-1]
    variables = {"phone": PHONE, "code": code, "device": DEVICE}
    signed_in = await trusted(client, "SignIn", variables | {"miniProgramLinkTicket": link_ticket})
    assert signed_in["__typename"] == "SignedIn", signed_in
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
    variables = {"platform": platform, "code": code, "device": MINI_DEVICE}
    return await trusted(client, "SignInWithMiniProgram", variables)


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
    identity = {"name": LIU_JIANJUN.name, "idNumber": LIU_JIANJUN.id_number}
    bound = await trusted(client, "VerifyRealName", identity, citizen)
    assert bound["__typename"] == "RealNameVerified", bound
    [carrier] = fakes.faceid.calls_of("PhoneVerification")
    assert carrier["Phone"] == PHONE[3:]
    assert LIU_JIANJUN.id_number not in str(carrier["_raw"])  # travelled encrypted
    # 3. face step-up: DetectAuth gives the BizToken (ticket) and the web view's URL …
    liveness = await trusted(client, "StartLivenessCheck", caller=citizen)
    assert liveness["provider"] == "tencent-faceid", liveness
    biz_token = liveness["ticket"]
    assert liveness["url"] == f"https://h5.faceid.qq.com/api/web/index?token={biz_token}"
    # … the citizen passes the capture (liveness passed, similarity 92.31 over 80) …
    fakes.faceid.finish(biz_token, live=0, compare=0, similarity="92.31")
    # … and the server fetches the verdict with GetDetectInfoEnhanced
    verdict_of = {"ticket": biz_token, "result": ""}
    passed = await trusted(client, "CompleteLivenessCheck", verdict_of, citizen)
    assert passed["__typename"] == "LivenessCheckPassed", passed
    [verdict] = fakes.faceid.calls_of("GetDetectInfoEnhanced")
    assert (verdict["BizToken"], verdict["InfoType"]) == (biz_token, "1")
    assert (await trusted(client, "Me", caller=citizen))["assuranceLevel"] == "REAL_PERSON"
    # 4. the life record, read from the exchange service over signed HTTP
    record = await trusted(client, "MyLifeRecord", caller=citizen)
    fund = record["lifeRecord"]["providentFund"]
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
    assert (again["__typename"], again["accountId"]) == ("SignedIn", citizen.account_id)
    assert (await mini_sign_in(client, "WECHAT", code))["code"] == "INVALID_MINI_PROGRAM_CODE"
    # 6. Alipay mini-program: RSA2 both ways, linked the same way
    on_alipay = await mini_sign_in(client, "ALIPAY", fakes.alipay.issue_code("2088Liu"))
    assert on_alipay["__typename"] == "MiniProgramLinkRequired", on_alipay
    await lift_code_cooldown(app)
    await sms_sign_in(client, fakes, on_alipay["linkTicket"])
    alipay = await mini_sign_in(client, "ALIPAY", fakes.alipay.issue_code("2088Liu"))
    assert (alipay["__typename"], alipay["accountId"]) == ("SignedIn", citizen.account_id)
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
    assert (await trusted(client, "Me", caller=citizen))["assuranceLevel"] == "REAL_PERSON"
    # and an ad-hoc document is refused here (trusted-only is production's default)
    ad_hoc = await client.post("/graphql", json={"query": "{ me { id } }"}, headers=citizen.headers)
    assert ad_hoc.status_code == 400
    assert ad_hoc.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
