"""A citizen's journey with every real identity adapter pointed at its fake, via ``/graphql``:
mini-program sign-in (WeChat, then Alipay), three-factor binding, face step-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.settings import Settings
from demo.data.people import LIU_JIANJUN
from tests.conftest import graphql
from tests.identity.factories import REQUEST_CODE, SignedInCaller, as_caller, sent_code
from tests.identity.identity_vendor_fakes import (
    FakeAlipay,
    FakeFaceId,
    FakeWeChat,
    app_with_vendors,
    rsa_key,
    serve,
)
from tests.identity.verification_factories import (
    complete_liveness,
    me_identity,
    phone_of,
    seed_register,
    start_liveness,
    verify_real_name,
)

MINI_SIGN_IN = """
mutation ($platform: MiniProgramPlatform!, $code: String!) {
  signInWithMiniProgram(platform: $platform, code: $code,
                        device: {name: "Mini", platform: WECHAT_MINI_PROGRAM}) {
    __typename
    ... on SignedIn { accountId tokens { accessToken sessionId } }
    ... on MiniProgramLinkRequired { linkTicket }
    ... on UserError { code field }
  }
}
"""
SIGN_IN_LINKING = """
mutation ($phone: String!, $code: String!, $ticket: String) {
  signIn(phone: $phone, code: $code, miniProgramLinkTicket: $ticket,
         device: {name: "Mini", platform: WECHAT_MINI_PROGRAM}) {
    __typename
    ... on SignedIn { accountId tokens { accessToken refreshToken sessionId } }
    ... on UserError { code field }
  }
}
"""
APP_KEY = rsa_key()


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeFaceId, FakeWeChat, FakeAlipay]]:
    faceid = FakeFaceId("AKIDjourney0000000000000000000000", "journey-secret")
    faceid.phones[phone_of(LIU_JIANJUN)[3:]] = (LIU_JIANJUN.name, LIU_JIANJUN.id_number)
    wechat = FakeWeChat("wxjourney", "journey-wechat-secret")
    alipay = FakeAlipay("2021000000000002", APP_KEY.public_key())
    async with serve(faceid.app) as f, serve(wechat.app) as w, serve(alipay.app) as a:
        faceid.url, wechat.url, alipay.url = f, w, a
        yield faceid, wechat, alipay


async def _mini(client: httpx.AsyncClient, platform: str, code: str) -> dict[str, Any]:
    body = await graphql(client, MINI_SIGN_IN, {"platform": platform, "code": code})
    result: dict[str, Any] = body["data"]["signInWithMiniProgram"]
    return result


async def test_mini_program_sign_in_binding_and_step_up_against_the_vendor_fakes(
    settings: Settings, tmp_path: Path, fakes: tuple[FakeFaceId, FakeWeChat, FakeAlipay]
) -> None:
    faceid, wechat, alipay = fakes
    async with app_with_vendors(
        settings, tmp_path, faceid=faceid, wechat=wechat, alipay=(alipay, APP_KEY)
    ) as app:
        await seed_register(app)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        async with client:
            # 1. first WeChat sign-in: not linked yet, so an SMS sign-in links it
            first = await _mini(client, "WECHAT", wechat.issue_code("oLiu"))
            assert first["__typename"] == "MiniProgramLinkRequired", first
            phone = phone_of(LIU_JIANJUN)
            await graphql(client, REQUEST_CODE, {"phone": phone})
            body = await graphql(
                client,
                SIGN_IN_LINKING,
                {"phone": phone, "code": sent_code(app, phone), "ticket": first["linkTicket"]},
            )
            linked = body["data"]["signIn"]
            assert linked["__typename"] == "SignedIn", body
            tokens = linked["tokens"]
            caller = SignedInCaller(
                phone=phone,
                account_id=linked["accountId"],
                access_token=tokens["accessToken"],
                refresh_token=tokens["refreshToken"],
                session_id=tokens["sessionId"],
            )
            # 2. binding by three factors: FaceID asks the carrier
            verified = await verify_real_name(
                client, caller, LIU_JIANJUN.name, LIU_JIANJUN.id_number
            )
            assert verified["__typename"] == "RealNameVerified", verified
            # 3. face step-up: DetectAuth, the capture, the verdict fetched server-side
            started = await start_liveness(client, caller)
            assert started["provider"] == "tencent-faceid", started
            faceid.finish(started["ticket"])
            passed = await complete_liveness(client, caller, started["ticket"], "")
            assert passed["__typename"] == "LivenessCheckPassed", passed
            assert (await me_identity(client, caller))["assuranceLevel"] == "REAL_PERSON"
            # 4. the next WeChat sign-in needs no SMS; a reused js_code is refused
            code = wechat.issue_code("oLiu")
            again = await _mini(client, "WECHAT", code)
            assert again["__typename"] == "SignedIn"
            assert again["accountId"] == caller.account_id
            reused = await _mini(client, "WECHAT", code)
            assert reused["code"] == "INVALID_MINI_PROGRAM_CODE"
            # 5. Alipay is another mini-program identity: it asks to be linked
            on_alipay = await _mini(client, "ALIPAY", alipay.issue_code("074aLiu"))
            assert on_alipay["__typename"] == "MiniProgramLinkRequired"
            me = await as_caller(client, caller, "query { me { assuranceLevel } }")
            assert me["data"]["me"]["assuranceLevel"] == "REAL_PERSON"
    assert faceid.refused_signatures == 0
    assert alipay.refused_signatures == 0
