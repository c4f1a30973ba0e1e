"""Test helpers for signed-in callers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from app.resources import Resources
from app.trusted_documents import document_text
from identity.adapters.sms import DevelopmentSms
from tests.conftest import graphql

REQUEST_CODE = document_text("RequestSignInCode")  # the app's trusted document

SIGN_IN = document_text("SignIn")  # the app's trusted document

_numbers = itertools.count(1)


def a_phone() -> str:
    """A fresh valid mobile number (E.164) from a demo block."""
    return f"+86139073{next(_numbers) + 1000:05d}"


@dataclass
class SignedInCaller:
    """A signed-in test caller."""

    phone: str
    account_id: str
    access_token: str
    refresh_token: str
    session_id: str

    @property
    def headers(self) -> dict[str, str]:
        """The bearer header."""
        return {"authorization": f"Bearer {self.access_token}"}


async def redis_keys(app: FastAPI, pattern: str = "*") -> list[str]:
    """The app's Redis keys matching ``pattern`` under this test's own key prefix.

    Tests share one Redis server: they only ever look at (and delete) their own keys.
    """
    resources: Resources = app.state.resources
    prefix = resources.settings.redis_key_prefix
    return [
        key.decode() if isinstance(key, bytes) else str(key)
        async for key in resources.redis.scan_iter(match=f"{prefix}{pattern}")
    ]


async def delete_redis_keys(app: FastAPI, pattern: str) -> int:
    """Delete this test's Redis keys matching ``pattern`` (under its prefix); how many."""
    keys = await redis_keys(app, pattern)
    resources: Resources = app.state.resources
    return int(await resources.redis.delete(*keys)) if keys else 0


async def lift_code_cooldown(app: FastAPI) -> None:
    """Lift the one-code-a-minute limit of every phone, as if a minute had passed."""
    await delete_redis_keys(app, "rl:otp-cooldown:*")


def sent_code(app: FastAPI, phone: str) -> str:
    """The last code the development SMS provider 'sent' to ``phone``."""
    return str(app.state.services.get(DevelopmentSms).last_code[phone])


async def sign_in(
    client: httpx.AsyncClient, app: FastAPI, phone: str | None = None, device: str = "Test phone"
) -> SignedInCaller:
    """Request a code and sign in with it."""
    phone = phone or a_phone()
    sent = await graphql(client, REQUEST_CODE, {"phone": phone})
    assert sent["data"]["requestSignInCode"]["__typename"] == "SignInCodeSent", sent
    body = await graphql(
        client,
        SIGN_IN,
        {
            "phone": phone,
            "code": sent_code(app, phone),
            "device": {"name": device, "platform": "ANDROID"},
        },
    )
    result: dict[str, Any] = body["data"]["signIn"]
    assert result["__typename"] == "SignedIn", body
    tokens = result["tokens"]
    return SignedInCaller(
        phone=phone,
        account_id=result["accountId"],
        access_token=tokens["accessToken"],
        refresh_token=tokens["refreshToken"],
        session_id=tokens["sessionId"],
    )


async def as_caller(
    client: httpx.AsyncClient,
    caller: SignedInCaller,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST an operation with the caller's bearer token."""
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=caller.headers | (headers or {}),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
