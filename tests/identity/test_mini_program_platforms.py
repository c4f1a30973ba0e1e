"""WeChat jscode2session and Alipay oauth.token adapters against local fakes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from identity.adapters.mini_program_platforms import (
    AlipayCodeExchange,
    PlatformMiniProgram,
    WeChatCodeExchange,
    alipay_signing_content,
    signed_part,
)
from identity.errors import InvalidMiniProgramCode
from identity.models import MiniProgramPlatform
from infra.outages import Unavailable
from tests.identity.identity_vendor_fakes import (
    FakeAlipay,
    FakeWeChat,
    private_pem,
    public_pem,
    rsa_key,
    serve,
)

WECHAT_APP_ID, WECHAT_SECRET = "wx0123456789abcdef", "wechat-app-secret-0000000000000"
ALIPAY_APP_ID = "2021000000000001"
APP_KEY = rsa_key()


@pytest.fixture
async def wechat() -> AsyncIterator[tuple[FakeWeChat, WeChatCodeExchange]]:
    fake = FakeWeChat(WECHAT_APP_ID, WECHAT_SECRET)
    async with serve(fake.app) as url:
        yield (
            fake,
            WeChatCodeExchange(WECHAT_APP_ID, WECHAT_SECRET, endpoint=url, timeout_seconds=2),
        )


@pytest.fixture
async def alipay() -> AsyncIterator[tuple[FakeAlipay, AlipayCodeExchange]]:
    fake = FakeAlipay(ALIPAY_APP_ID, APP_KEY.public_key())
    async with serve(fake.app) as url:
        yield (
            fake,
            AlipayCodeExchange(
                ALIPAY_APP_ID,
                private_pem(APP_KEY),
                public_pem(fake.alipay_key),
                endpoint=url + "/gateway.do",
                timeout_seconds=2,
            ),
        )


async def test_wechat_gives_the_openid_and_keeps_no_session_key(
    wechat: tuple[FakeWeChat, WeChatCodeExchange], caplog: pytest.LogCaptureFixture
) -> None:
    fake, exchange = wechat
    caplog.set_level(logging.INFO, logger="httpx")
    code = fake.issue_code("oUser-1")
    assert await exchange.open_id(code) == "oUser-1"
    assert not any("session_key" in name for name in vars(exchange))
    # the app secret and the code never reach the request log
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert WECHAT_SECRET not in logged
    assert code not in logged


async def test_wechat_refuses_an_invalid_or_reused_js_code(
    wechat: tuple[FakeWeChat, WeChatCodeExchange],
) -> None:
    fake, exchange = wechat
    code = fake.issue_code("oUser-1")
    await exchange.open_id(code)
    with pytest.raises(InvalidMiniProgramCode):
        await exchange.open_id(code)  # reused: 40163
    with pytest.raises(InvalidMiniProgramCode):
        await exchange.open_id("never-issued")  # 40029
    with pytest.raises(InvalidMiniProgramCode):
        await exchange.open_id("x" * 200)  # never sent


async def test_wechat_rate_limiting_and_a_wrong_secret(
    wechat: tuple[FakeWeChat, WeChatCodeExchange],
) -> None:
    fake, exchange = wechat
    fake.mode = "rate_limited"  # our app's quota: a brief outage, no user's fault
    with pytest.raises(Unavailable) as throttled:
        await exchange.open_id(fake.issue_code("oUser-1"))
    assert throttled.value.retry_after == 60
    fake.mode = None
    fake.app_secret = "rotated"
    with pytest.raises(Unavailable):  # our configuration, not the user's code
        await exchange.open_id(fake.issue_code("oUser-1"))


@pytest.mark.parametrize("mode", ["truncated", "not_json", "oversize", "server_error", "slow"])
async def test_broken_platform_answers_are_unavailable(
    wechat: tuple[FakeWeChat, WeChatCodeExchange],
    alipay: tuple[FakeAlipay, AlipayCodeExchange],
    mode: str,
) -> None:
    for fake, exchange in (wechat, alipay):
        if mode == "slow":
            fake.delay_seconds = 3
        else:
            fake.mode = mode
        with pytest.raises(Unavailable):
            await exchange.open_id(fake.issue_code("oUser-1"))


async def test_alipay_request_is_rsa2_signed_and_the_answer_verified(
    alipay: tuple[FakeAlipay, AlipayCodeExchange],
) -> None:
    fake, exchange = alipay
    assert await exchange.open_id(
        fake.issue_code("074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5")
    ) == ("074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5")
    assert fake.refused_signatures == 0


async def test_alipay_refuses_a_request_signed_with_another_key(
    alipay: tuple[FakeAlipay, AlipayCodeExchange],
) -> None:
    fake, exchange = alipay
    fake.app_public_key = rsa_key().public_key()
    with pytest.raises(Unavailable):
        await exchange.open_id(fake.issue_code("oUser-1"))
    assert fake.refused_signatures == 1


async def test_an_alipay_answer_whose_signature_does_not_verify_is_refused(
    alipay: tuple[FakeAlipay, AlipayCodeExchange],
) -> None:
    fake, exchange = alipay
    fake.signing_key = rsa_key()  # someone else's key signs the answer
    with pytest.raises(Unavailable):
        await exchange.open_id(fake.issue_code("oUser-1"))


async def test_alipay_refuses_an_invalid_or_reused_code_and_its_rate_limit(
    alipay: tuple[FakeAlipay, AlipayCodeExchange],
) -> None:
    fake, exchange = alipay
    code = fake.issue_code("oUser-1")
    await exchange.open_id(code)
    with pytest.raises(InvalidMiniProgramCode):
        await exchange.open_id(code)
    fake.mode = "rate_limited"
    with pytest.raises(Unavailable):
        await exchange.open_id(fake.issue_code("oUser-2"))


def test_alipay_signing_content_and_signed_part_follow_the_documented_rules() -> None:
    assert alipay_signing_content({"b": "2", "a": "1", "sign": "x", "empty": ""}) == "a=1&b=2"
    body = '{"alipay_system_oauth_token_response" : {"open_id":"o","x":{"y":[1,"}"]}},"sign":"s"}'
    assert signed_part(body, "alipay_system_oauth_token_response") == (
        '{"open_id":"o","x":{"y":[1,"}"]}}'
    )
    assert signed_part(body, "error_response") is None


async def test_an_unconfigured_platform_refuses_its_codes(
    wechat: tuple[FakeWeChat, WeChatCodeExchange],
) -> None:
    fake, exchange = wechat
    platforms = PlatformMiniProgram(wechat=exchange, alipay=None)
    assert await platforms.open_id(MiniProgramPlatform.WECHAT, fake.issue_code("o1")) == "o1"
    with pytest.raises(InvalidMiniProgramCode):
        await platforms.open_id(MiniProgramPlatform.ALIPAY, "any-code")


async def test_a_slow_platform_is_unavailable_and_the_one_time_code_is_never_sent_twice(
    wechat: tuple[FakeWeChat, WeChatCodeExchange],
    alipay: tuple[FakeAlipay, AlipayCodeExchange],
) -> None:
    # A login code works once: a request that may have reached the platform is not
    # repeated (the code could have been spent), the mini-program asks for a new one.
    for fake, exchange in (wechat, alipay):
        fake.delay_seconds = 3
        with pytest.raises(Unavailable):
            await exchange.open_id(fake.issue_code("oUser-1"))
        assert fake.requests == 1


async def test_each_platform_keeps_its_last_outcome_for_readyz_and_closes(
    wechat: tuple[FakeWeChat, WeChatCodeExchange],
    alipay: tuple[FakeAlipay, AlipayCodeExchange],
) -> None:
    (fake_wechat, wechat_exchange), (fake_alipay, alipay_exchange) = wechat, alipay
    platforms = PlatformMiniProgram(wechat=wechat_exchange, alipay=alipay_exchange)
    assert platforms.outcomes() == {"mini_program.wechat": None, "mini_program.alipay": None}

    def outcome(name: str) -> str | None:
        last = platforms.outcomes()[name]
        return None if last is None else last.outcome

    # a sign-in, a reused code (the user's), the platform's quota, the platform down
    await platforms.open_id(MiniProgramPlatform.WECHAT, fake_wechat.issue_code("o1"))
    assert outcome("mini_program.wechat") == "ok"
    with pytest.raises(InvalidMiniProgramCode):
        await platforms.open_id(MiniProgramPlatform.WECHAT, "never-issued")
    assert outcome("mini_program.wechat") == "refused_user"
    fake_alipay.mode = "rate_limited"
    with pytest.raises(Unavailable):
        await platforms.open_id(MiniProgramPlatform.ALIPAY, fake_alipay.issue_code("o2"))
    assert outcome("mini_program.alipay") == "rate_limited"
    fake_wechat.mode = "server_error"
    with pytest.raises(Unavailable):
        await platforms.open_id(MiniProgramPlatform.WECHAT, fake_wechat.issue_code("o3"))
    assert outcome("mini_program.wechat") == "unavailable"
    # and the shutdown closes both platforms' connections
    await platforms.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await wechat_exchange.open_id(fake_wechat.issue_code("o4"))
    with pytest.raises(RuntimeError, match="closed"):
        await alipay_exchange.open_id(fake_alipay.issue_code("o5"))
