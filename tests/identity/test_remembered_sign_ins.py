"""Remembered sign-ins: an access token's session and account are read once per instance,
and every change to either counts at once, on every instance (``sign_in_marks``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as redis_async
from fastapi import FastAPI

from app.main import create_app
from app.resources import Resources
from app.settings import Settings
from demo.providers import demo_providers
from identity.models import Account, Session
from identity.repositories.sign_in_marks import REMEMBERED_FOR, RememberedSignIns, SignInMarks
from identity.tokens import load_or_create_signing_key
from tests.conftest import CommandCounter
from tests.identity.factories import (
    SignedInCaller,
    as_caller,
    lift_code_cooldown,
    redis_keys,
    sign_in,
)
from tests.identity.verification_factories import (
    accounts_of,
    marks_of,
    resources_of,
    sessions_of,
)

ME = "{ me { id assuranceLevel } }"
SIGN_OUT = "mutation { signOut { __typename } }"
SIGN_OUT_EVERYWHERE = "mutation { signOutEverywhere { __typename } }"


@asynccontextmanager
async def instance(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """An API instance (its own memory) with its lifespan running, and a client of it."""
    app = create_app(settings, providers=demo_providers)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client


@asynccontextmanager
async def two_instances(
    settings: Settings, folder: Path
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient]]:
    """Two API instances on the same servers and signing key (tokens of one verify on the
    other): the first app, and a client of each. The ``resources`` fixture drops the data."""
    key_file = folder / "jwt-ed25519.pem"
    load_or_create_signing_key(key_file)
    shared = settings.model_copy(update={"jwt_signing_key_file": key_file})
    async with instance(shared) as (app, first), instance(shared) as (_, second):
        yield app, first, second


async def _refusal(client: httpx.AsyncClient, caller: SignedInCaller) -> str | None:
    """The reason the caller's token is refused with, or ``None`` when it is accepted."""
    body = await as_caller(client, caller, "{ me { id } }")
    if body["data"]["me"] is not None:
        assert body["data"]["me"]["id"] == caller.account_id
        return None
    reason: str = body["errors"][0]["extensions"]["reason"]
    return reason


class _DeadRedis(redis_async.Redis):
    """A client of a port nothing listens on: every command fails to connect."""

    def __init__(self) -> None:
        super().__init__(host="127.0.0.1", port=1, socket_connect_timeout=0.2)


async def test_a_second_request_with_the_same_token_reads_neither_session_nor_account(
    app: FastAPI, client: httpx.AsyncClient, command_counter: CommandCounter
) -> None:
    caller = await sign_in(client, app)
    assert (await as_caller(client, caller, ME))["data"]["me"]["id"] == caller.account_id
    command_counter.reset()
    again = await as_caller(client, caller, ME)
    assert again["data"]["me"] == {"id": caller.account_id, "assuranceLevel": "PHONE"}
    assert "find" not in command_counter.commands


async def test_signing_out_on_one_instance_refuses_the_token_on_another_at_once(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    async with two_instances(settings, tmp_path) as (app, client, other):
        caller = await sign_in(client, app)
        assert await _refusal(other, caller) is None  # now remembered there
        assert await _refusal(other, caller) is None
        await as_caller(client, caller, SIGN_OUT)
        assert await _refusal(other, caller) == "REVOKED"
        assert await _refusal(client, caller) == "REVOKED"


async def test_signing_out_everywhere_refuses_every_remembered_session_at_once(
    settings: Settings, resources: Resources, tmp_path: Path
) -> None:
    async with two_instances(settings, tmp_path) as (app, client, other):
        phone_caller = await sign_in(client, app)
        await lift_code_cooldown(app)
        tablet = await sign_in(client, app, phone_caller.phone, device="Tablet")
        for caller in (phone_caller, tablet):
            assert await _refusal(other, caller) is None
        await as_caller(client, phone_caller, SIGN_OUT_EVERYWHERE)
        for caller in (phone_caller, tablet):
            assert await _refusal(other, caller) == "REVOKED"


async def test_a_revocation_landing_while_the_session_is_read_is_not_remembered(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    caller = await sign_in(client, app)
    sessions, accounts = sessions_of(app), accounts_of(app)
    remembered = RememberedSignIns(marks_of(app))
    loads = 0

    async def load_then_revoke() -> tuple[Session | None, Account | None]:
        # The read sees the session still active; the revocation lands just after it.
        nonlocal loads
        loads += 1
        read = await sessions.get(caller.session_id), await accounts.get(caller.account_id)
        if loads == 1:
            await sessions.revoke(
                caller.session_id, account_id=None, reason="test", now=datetime.now(UTC)
            )
        return read

    first, _ = await remembered.read(caller.session_id, caller.account_id, load_then_revoke)
    assert first is not None
    assert first.active
    second, _ = await remembered.read(caller.session_id, caller.account_id, load_then_revoke)
    assert loads == 2  # not answered from memory: its mark changed
    assert second is not None
    assert not second.active


async def test_while_redis_is_down_every_check_reads_the_database(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    caller = await sign_in(client, app)
    sessions, accounts = sessions_of(app), accounts_of(app)
    remembered = RememberedSignIns(SignInMarks(_DeadRedis(), prefix="x:"))
    loads = 0

    async def load() -> tuple[Session | None, Account | None]:
        nonlocal loads
        loads += 1
        return await sessions.get(caller.session_id), await accounts.get(caller.account_id)

    for _ in range(3):
        session, account = await remembered.read(caller.session_id, caller.account_id, load)
        assert session is not None
        assert account is not None
        assert account.id == caller.account_id
    assert loads == 3


async def test_a_mark_that_cannot_be_replaced_stops_this_instance_using_its_memory() -> None:
    now = [100.0]
    marks = SignInMarks(_DeadRedis(), prefix="x:", clock=lambda: now[0])
    assert marks.trusted
    await marks.session_changed("ses_1")  # the write stands; the mark could not change
    assert not marks.trusted
    assert await marks.current("ses_1", "acc_1") is None
    now[0] += REMEMBERED_FOR + 1
    assert marks.trusted


async def test_the_marks_hold_no_personal_data(app: FastAPI, client: httpx.AsyncClient) -> None:
    caller = await sign_in(client, app)
    await as_caller(client, caller, ME)
    resources: Resources = resources_of(app)
    keys = sorted(await redis_keys(app, "sign-in-mark:*"))
    prefix = resources.settings.redis_key_prefix
    assert keys == sorted(
        [
            f"{prefix}sign-in-mark:a:{caller.account_id}",
            f"{prefix}sign-in-mark:s:{caller.session_id}",
        ]
    )
    values: list[Any] = await resources.redis.mget(keys)
    for value in values:
        assert re.fullmatch(rb"[0-9a-f]{24}", value)
