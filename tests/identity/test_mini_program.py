"""Mini-program sign-in and linking to the phone account."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from identity.adapters.mini_program import DevelopmentMiniProgram
from identity.models import MiniProgramPlatform
from tests.conftest import graphql
from tests.identity.factories import REQUEST_CODE, a_phone, redis_keys, sent_code

MINI_SIGN_IN = """
mutation ($platform: MiniProgramPlatform!, $code: String!) {
  signInWithMiniProgram(platform: $platform, code: $code,
                        device: {name: "WeChat", platform: WECHAT_MINI_PROGRAM}) {
    __typename
    ... on SignedIn { accountId tokens { sessionId } }
    ... on MiniProgramLinkRequired { linkTicket expiresInSeconds }
    ... on UserError { code field }
  }
}
"""
SIGN_IN_LINKING = """
mutation ($phone: String!, $code: String!, $ticket: String) {
  signIn(phone: $phone, code: $code, miniProgramLinkTicket: $ticket,
         device: {name: "WeChat", platform: WECHAT_MINI_PROGRAM}) {
    __typename
    ... on SignedIn { accountId }
    ... on UserError { code field }
  }
}
"""


async def _mini(client: httpx.AsyncClient, code: str, platform: str = "WECHAT") -> dict[str, Any]:
    body = await graphql(client, MINI_SIGN_IN, {"platform": platform, "code": code})
    result: dict[str, Any] = body["data"]["signInWithMiniProgram"]
    return result


async def _link(client: httpx.AsyncClient, phone: str, code: str, ticket: str) -> dict[str, Any]:
    body = await graphql(client, SIGN_IN_LINKING, {"phone": phone, "code": code, "ticket": ticket})
    result: dict[str, Any] = body["data"]["signIn"]
    return result


async def test_first_use_links_by_sms_then_signs_in_without_sms(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a mini-program user never seen before
    first = await _mini(client, "dev-user-1")
    assert first["__typename"] == "MiniProgramLinkRequired"
    assert first["expiresInSeconds"] == 600
    # when they sign in by SMS with the link ticket
    phone = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": phone})
    linked = await _link(client, phone, sent_code(app, phone), first["linkTicket"])
    assert linked["__typename"] == "SignedIn"
    # then the next mini-program sign-in opens a session on that account, no SMS
    again = await _mini(client, "dev-user-1")
    assert again["__typename"] == "SignedIn"
    assert again["accountId"] == linked["accountId"]
    # and the same user on the other platform is a different mini-program identity
    assert (await _mini(client, "dev-user-1", "ALIPAY"))["__typename"] == "MiniProgramLinkRequired"


async def test_a_refused_platform_code_is_a_typed_error_and_stores_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    result = await _mini(client, "forged-code")
    assert result == {
        "__typename": "InvalidInput",
        "code": "INVALID_MINI_PROGRAM_CODE",
        "field": "code",
    }
    assert await redis_keys(app, "mp-link:*") == []


async def test_an_unknown_ticket_is_refused_before_the_sms_code_is_used(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    phone = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": phone})
    code = sent_code(app, phone)
    refused = await _link(client, phone, code, "no-such-ticket")
    assert refused == {
        "__typename": "InvalidInput",
        "code": "INVALID_INPUT",
        "field": "miniProgramLinkTicket",
    }
    assert await app.state.resources.database["accounts"].count_documents({}) == 0
    # the SMS code was not spent by the refused attempt
    assert (await _link(client, phone, code, (await _mini(client, "dev-u2"))["linkTicket"]))[
        "__typename"
    ] == "SignedIn"


async def test_a_wrong_sms_code_keeps_the_ticket_for_a_retry_and_a_ticket_works_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ticket = (await _mini(client, "dev-user-3"))["linkTicket"]
    phone = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": phone})
    code = sent_code(app, phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert (await _link(client, phone, wrong, ticket))["__typename"] == "InvalidCode"
    assert (await _link(client, phone, code, ticket))["__typename"] == "SignedIn"
    assert await redis_keys(app, "mp-link:*") == []
    # when another phone presents the same ticket
    other = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": other})
    reused = await _link(client, other, sent_code(app, other), ticket)
    assert reused["field"] == "miniProgramLinkTicket"


async def test_openids_are_stored_only_as_keyed_hashes(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ticket = (await _mini(client, "dev-user-4"))["linkTicket"]
    phone = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": phone})
    await _link(client, phone, sent_code(app, phone), ticket)
    open_id = await DevelopmentMiniProgram().open_id(MiniProgramPlatform.WECHAT, "dev-user-4")
    (link,) = await app.state.resources.database["mini_program_links"].find().to_list()
    assert open_id not in str(link)
    assert link["_id"].startswith("wechat:")
