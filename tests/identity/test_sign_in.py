"""Phone sign-in, token rotation, sessions and sign-out, through /graphql."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from app.trusted_documents import document_text
from identity.adapters.sms import DevelopmentSms
from identity.services.sign_in import SignInService
from identity.tokens import AccessTokens
from tests.conftest import graphql
from tests.identity.factories import (
    REQUEST_CODE,
    SIGN_IN,
    a_phone,
    as_caller,
    delete_redis_keys,
    lift_code_cooldown,
    redis_keys,
    sent_code,
    sign_in,
)

ME = """
{ me { id phoneMasked assuranceLevel
       sessions { id deviceName platform current ipMasked ipRegion { zh en } } } }
"""
REFRESH = document_text("RefreshToken")  # the app's trusted document
SIGN_OUT = "mutation { signOut { __typename ... on SignedOut { sessionsEnded } } }"
SIGN_OUT_EVERYWHERE = (
    "mutation { signOutEverywhere { __typename ... on SignedOut { sessionsEnded } } }"
)
REVOKE = """
mutation ($id: String!) {
  revokeSession(sessionId: $id) {
    __typename ... on UserError { code } ... on SignedOut { sessionsEnded }
  }
}
"""
DEVICE = {"name": "Test phone", "platform": "IOS"}


async def _sign_in_with(client: httpx.AsyncClient, phone: str, code: str) -> dict[str, Any]:
    body = await graphql(client, SIGN_IN, {"phone": phone, "code": code, "device": DEVICE})
    result: dict[str, Any] = body["data"]["signIn"]
    return result


async def _auth_error(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"authorization": f"Bearer {token}"}
    )
    body = response.json()
    assert body["data"] == {"me": None}
    (error,) = body["errors"]
    extensions: dict[str, Any] = error["extensions"]
    return extensions


async def test_first_sign_in_creates_the_account_and_me_shows_the_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a phone that never signed in
    phone = a_phone()
    # when it requests a code (typed without +86) and signs in with it
    sent = await graphql(client, REQUEST_CODE, {"phone": phone[3:]})
    signed_in = await _sign_in_with(client, phone[3:], sent_code(app, phone))
    # then
    assert sent["data"]["requestSignInCode"]["phoneMasked"] == f"{phone[3:6]}****{phone[-4:]}"
    assert signed_in["__typename"] == "SignedIn"
    assert signed_in["assuranceLevel"] == "PHONE"
    token = signed_in["tokens"]["accessToken"]
    response = await client.post(
        "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"}
    )
    me = response.json()["data"]["me"]
    assert me["id"] == signed_in["accountId"]
    assert me["assuranceLevel"] == "PHONE"
    (session,) = me["sessions"]
    assert session == {
        "id": signed_in["tokens"]["sessionId"],
        "deviceName": "Test phone",
        "platform": "IOS",
        "current": True,
        "ipMasked": "127.0.0.x",
        "ipRegion": {"zh": "本地网络", "en": "Local network"},
    }


async def test_second_sign_in_reuses_the_account(app: FastAPI, client: httpx.AsyncClient) -> None:
    phone = a_phone()
    first = await sign_in(client, app, phone)
    await lift_code_cooldown(app)
    second = await sign_in(client, app, phone)
    assert first.account_id == second.account_id
    assert first.session_id != second.session_id
    assert await app.state.resources.database["accounts"].count_documents({}) == 1


@pytest.mark.parametrize("phone", ["073128680001", "12345678901", "+14155550123", "abc", "1" * 40])
async def test_invalid_phone_is_a_typed_error_and_sends_nothing(
    app: FastAPI, client: httpx.AsyncClient, phone: str
) -> None:
    body = await graphql(client, REQUEST_CODE, {"phone": phone})
    result = body["data"]["requestSignInCode"]
    assert result["__typename"] == "InvalidInput"
    assert (result["code"], result["field"]) == ("INVALID_PHONE", "phone")
    assert app.state.services.get(DevelopmentSms).last_code == {}


async def test_a_second_code_within_a_minute_is_rate_limited_with_the_wait(
    client: httpx.AsyncClient,
) -> None:
    phone = a_phone()
    assert (await graphql(client, REQUEST_CODE, {"phone": phone}))["data"]["requestSignInCode"][
        "__typename"
    ] == "SignInCodeSent"
    again = (await graphql(client, REQUEST_CODE, {"phone": phone}))["data"]["requestSignInCode"]
    assert again["__typename"] == "RateLimited"
    assert again["code"] == "RATE_LIMITED"
    assert 1 <= again["retryAfterSeconds"] <= 60


async def test_at_most_ten_codes_a_day_per_phone(app: FastAPI, client: httpx.AsyncClient) -> None:
    phone = a_phone()
    results = []
    for _ in range(11):
        # lift the one-a-minute cooldown only, as if a minute had passed
        await lift_code_cooldown(app)
        body = await graphql(client, REQUEST_CODE, {"phone": phone})
        results.append(body["data"]["requestSignInCode"])
    assert [r["__typename"] for r in results] == ["SignInCodeSent"] * 10 + ["RateLimited"]
    assert results[-1]["retryAfterSeconds"] > 60


async def test_at_most_thirty_codes_an_hour_per_client_address(client: httpx.AsyncClient) -> None:
    kinds = []
    for _ in range(31):
        body = await graphql(client, REQUEST_CODE, {"phone": a_phone()})
        kinds.append(body["data"]["requestSignInCode"]["__typename"])
    assert kinds == ["SignInCodeSent"] * 30 + ["RateLimited"]


async def test_codes_are_stored_hashed(app: FastAPI, client: httpx.AsyncClient) -> None:
    phone = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": phone})
    code = sent_code(app, phone)
    redis = app.state.resources.redis
    stored = [await redis.hgetall(key) for key in await redis_keys(app, "otp:*")]
    assert len(stored) == 1
    assert all(code.encode() not in value for value in stored[0].values())
    assert phone not in " ".join(await redis_keys(app))


async def test_wrong_and_unknown_codes_get_the_same_answer(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    phone = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": phone})
    wrong = "000000" if sent_code(app, phone) != "000000" else "111111"
    on_wrong = await _sign_in_with(client, phone, wrong)
    on_never_requested = await _sign_in_with(client, a_phone(), "123456")
    assert on_wrong == on_never_requested
    assert on_wrong["__typename"] == "InvalidCode"
    assert await app.state.resources.database["accounts"].count_documents({}) == 0


async def test_five_wrong_tries_void_the_code(app: FastAPI, client: httpx.AsyncClient) -> None:
    phone = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": phone})
    code = sent_code(app, phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert (await _sign_in_with(client, phone, wrong))["__typename"] == "InvalidCode"
    assert (await _sign_in_with(client, phone, code))["__typename"] == "InvalidCode"


async def test_a_code_works_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    phone = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": phone})
    code = sent_code(app, phone)
    assert (await _sign_in_with(client, phone, code))["__typename"] == "SignedIn"
    assert (await _sign_in_with(client, phone, code))["__typename"] == "InvalidCode"


async def test_concurrent_sign_ins_with_one_code_give_one_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    phone = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": phone})
    code = sent_code(app, phone)
    results = await asyncio.gather(*(_sign_in_with(client, phone, code) for _ in range(8)))
    assert sorted(r["__typename"] for r in results) == ["InvalidCode"] * 7 + ["SignedIn"]
    assert await app.state.resources.database["sessions"].count_documents({}) == 1


async def test_an_expired_code_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    phone = a_phone()
    await graphql(client, REQUEST_CODE, {"phone": phone})
    redis = app.state.resources.redis
    [key] = await redis_keys(app, "otp:*")
    assert 0 < await redis.ttl(key) <= 300  # the code lapses by itself after five minutes
    # as if five minutes had passed (Redis then drops the code)
    assert await delete_redis_keys(app, "otp:*") == 1
    assert (await _sign_in_with(client, phone, sent_code(app, phone)))[
        "__typename"
    ] == "InvalidCode"


async def test_refresh_rotates_and_the_old_token_is_used_up(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    caller = await sign_in(client, app)
    first = (await graphql(client, REFRESH, {"token": caller.refresh_token}))["data"][
        "refreshToken"
    ]
    assert first["__typename"] == "TokensRefreshed"
    assert first["tokens"]["sessionId"] == caller.session_id
    assert first["tokens"]["refreshToken"] != caller.refresh_token
    second = await graphql(client, REFRESH, {"token": first["tokens"]["refreshToken"]})
    assert second["data"]["refreshToken"]["__typename"] == "TokensRefreshed"


async def test_reusing_a_rotated_refresh_token_ends_the_whole_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a session whose refresh token was rotated once
    caller = await sign_in(client, app)
    rotated = (await graphql(client, REFRESH, {"token": caller.refresh_token}))["data"][
        "refreshToken"
    ]["tokens"]
    # when the old refresh token is presented again (a stolen copy)
    reuse = (await graphql(client, REFRESH, {"token": caller.refresh_token}))["data"][
        "refreshToken"
    ]
    # then it is refused, and so is everything of that session family
    assert reuse["code"] == "INVALID_REFRESH_TOKEN"
    after = (await graphql(client, REFRESH, {"token": rotated["refreshToken"]}))["data"]
    assert after["refreshToken"]["code"] == "INVALID_REFRESH_TOKEN"
    assert (await _auth_error(client, rotated["accessToken"]))["reason"] == "REVOKED"


@pytest.mark.parametrize("token", ["", "garbage", "ses_nothing.secret", "ses_x." + "a" * 300])
async def test_malformed_refresh_tokens_are_refused(client: httpx.AsyncClient, token: str) -> None:
    result = (await graphql(client, REFRESH, {"token": token}))["data"]["refreshToken"]
    assert result["__typename"] == "InvalidRefreshToken"


async def test_sign_out_ends_this_session_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    phone = a_phone()
    here = await sign_in(client, app, phone)
    await lift_code_cooldown(app)
    there = await sign_in(client, app, phone, device="Tablet")
    result = (await as_caller(client, here, SIGN_OUT))["data"]["signOut"]
    assert result == {"__typename": "SignedOut", "sessionsEnded": 1}
    assert (await _auth_error(client, here.access_token))["reason"] == "REVOKED"
    refused = (await graphql(client, REFRESH, {"token": here.refresh_token}))["data"]
    assert refused["refreshToken"]["__typename"] == "InvalidRefreshToken"
    assert (await as_caller(client, there, ME))["data"]["me"]["id"] == there.account_id


async def test_sign_out_everywhere_ends_every_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    phone = a_phone()
    here = await sign_in(client, app, phone)
    await lift_code_cooldown(app)
    there = await sign_in(client, app, phone, device="Tablet")
    result = (await as_caller(client, here, SIGN_OUT_EVERYWHERE))["data"]["signOutEverywhere"]
    assert result["sessionsEnded"] == 2
    for caller in (here, there):
        assert (await _auth_error(client, caller.access_token))["reason"] == "REVOKED"


async def test_revoking_another_accounts_session_is_not_found_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    mine = await sign_in(client, app)
    theirs = await sign_in(client, app)
    result = (await as_caller(client, mine, REVOKE, {"id": theirs.session_id}))["data"]
    assert result["revokeSession"] == {"__typename": "NotFound", "code": "NOT_FOUND"}
    assert (await as_caller(client, theirs, ME))["data"]["me"]["id"] == theirs.account_id
    own = (await as_caller(client, mine, REVOKE, {"id": mine.session_id}))["data"]
    assert own["revokeSession"]["__typename"] == "SignedOut"


async def test_mutations_that_need_a_caller_say_so_typed(client: httpx.AsyncClient) -> None:
    body = await graphql(
        client, "mutation { signOut { __typename ... on AuthenticationRequired { code reason } } }"
    )
    assert body["data"]["signOut"] == {
        "__typename": "AuthenticationRequired",
        "code": "AUTHENTICATION_REQUIRED",
        "reason": "MISSING",
    }


async def test_me_without_a_token_is_null_with_a_coded_error(client: httpx.AsyncClient) -> None:
    body = await graphql(client, "{ me { id } }")
    assert body["data"] == {"me": None}
    assert body["errors"][0]["extensions"] == {
        "code": "AUTHENTICATION_REQUIRED",
        "reason": "MISSING",
    }


async def test_forged_and_expired_access_tokens_are_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    caller = await sign_in(client, app)
    tokens: AccessTokens = app.state.services.get(SignInService).tokens
    real = jwt.decode(caller.access_token, options={"verify_signature": False})
    stranger = Ed25519PrivateKey.generate()
    public_pem = tokens.jwks()["keys"][0]["x"]
    cases = {
        "expired": jwt.encode(
            real | {"exp": int(datetime.now(UTC).timestamp()) - 60},
            stranger,
            algorithm="EdDSA",
            headers={"kid": tokens.kid},
        ),
        "other key": jwt.encode(
            dict(real), stranger, algorithm="EdDSA", headers={"kid": tokens.kid}
        ),
        "alg none": jwt.encode(dict(real), "", algorithm="none", headers={"kid": tokens.kid}),
        "HS256 with the public key": jwt.encode(
            dict(real), public_pem, algorithm="HS256", headers={"kid": tokens.kid}
        ),
        "unknown kid": jwt.encode(dict(real), stranger, algorithm="EdDSA", headers={"kid": "nope"}),
    }
    reasons = {name: (await _auth_error(client, token))["reason"] for name, token in cases.items()}
    # A forged signature fails before expiry is looked at: INVALID, not EXPIRED.
    assert reasons == dict.fromkeys(cases, "INVALID")


async def test_tokens_for_another_audience_or_issuer_or_past_expiry_are_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    caller = await sign_in(client, app)
    tokens: AccessTokens = app.state.services.get(SignInService).tokens
    real = jwt.decode(caller.access_token, options={"verify_signature": False})
    signer = tokens._signing_key
    expired_at = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    cases = {
        "audience": (
            jwt.encode(
                real | {"aud": "another-service"},
                signer,
                algorithm="EdDSA",
                headers={"kid": tokens.kid},
            ),
            "INVALID",
        ),
        "issuer": (
            jwt.encode(
                real | {"iss": "https://evil.example"},
                signer,
                algorithm="EdDSA",
                headers={"kid": tokens.kid},
            ),
            "INVALID",
        ),
        "expired": (
            jwt.encode(
                real | {"exp": expired_at}, signer, algorithm="EdDSA", headers={"kid": tokens.kid}
            ),
            "EXPIRED",
        ),
    }
    for name, (token, reason) in cases.items():
        assert (await _auth_error(client, token))["reason"] == reason, name
    # and the untouched token still works, so the refusals above are about the changes
    assert (await as_caller(client, caller, "{ me { id } }"))["data"]["me"]["id"]


async def test_jwks_publishes_the_key_that_verifies_our_tokens(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    caller = await sign_in(client, app)
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = {key["kid"]: key for key in response.json()["keys"]}
    header = jwt.get_unverified_header(caller.access_token)
    assert header["alg"] == "EdDSA"
    public_key = jwt.PyJWK(keys[header["kid"]]).key
    tokens: AccessTokens = app.state.services.get(SignInService).tokens
    claims = jwt.decode(
        caller.access_token,
        public_key,
        algorithms=["EdDSA"],
        audience=tokens.audience,
        issuer=tokens.issuer,
    )
    assert claims["sub"] == caller.account_id
    assert claims["acr"] == "1"
    assert claims["amr"] == ["sms"]
    assert {"exp", "iat", "jti", "sid"} <= set(claims)
    assert all("d" not in key for key in keys.values())  # no private part published
