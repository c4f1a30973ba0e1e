"""Phone numbers, client addresses and tickets at rest: encrypted or hashed, never in clear."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from pymongo import ASCENDING

from app.demo.people import LIU_JIANJUN
from infra.crypto import Undecryptable
from tests.identity.factories import a_phone, sign_in
from tests.identity.verification_factories import (
    account_document,
    accounts_of,
    ensure_indexes_as_at_start,
    resources_of,
    seed_register,
    start_liveness,
    verify_as,
)
from tests.stored import client_from, redis_contents

CLIENT_IP = "203.0.113.77"


@pytest.fixture
async def from_address(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client whose requests come from ``CLIENT_IP``."""
    async with client_from(app, CLIENT_IP) as http:
        yield http


async def test_a_phone_is_stored_encrypted_and_found_by_its_keyed_hash(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    phone = a_phone()
    resources = resources_of(app)
    # when
    first = await sign_in(client, app, phone)
    # then the account is found again by the phone's keyed hash
    again = await accounts_of(app).get_or_create_by_phone(phone, datetime.now(UTC))
    assert again.id == first.account_id
    doc = await account_document(app, first.account_id)
    assert "phone" not in doc
    assert phone.removeprefix("+86") not in repr(doc)
    assert doc["phone_hash"] == resources.keys.lookup.digest(phone)
    assert resources.keys.field_cipher.decrypt(doc["phone_cipher"], context=doc["_id"]) == phone
    # and in memory the account still carries the number in clear
    account = await accounts_of(app).get(first.account_id)
    assert account is not None
    assert account.phone == phone


async def test_an_encrypted_phone_opens_only_for_its_own_account(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given two accounts
    one = await sign_in(client, app)
    other = await sign_in(client, app)
    sealed = (await account_document(app, one.account_id))["phone_cipher"]
    # when one's ciphertext is read as the other's
    # then it does not open
    with pytest.raises(Undecryptable):
        resources_of(app).keys.field_cipher.decrypt(sealed, context=other.account_id)


async def test_two_accounts_cannot_share_a_phone(app: FastAPI) -> None:
    # given
    accounts = resources_of(app).database["accounts"]
    indexes = {index["name"]: index async for index in await accounts.list_indexes()}
    # then the keyed hash is what keeps phones unique
    assert indexes["phone_hash_unique"]["unique"] is True
    assert dict(indexes["phone_hash_unique"]["key"]) == {"phone_hash": 1}
    assert "phone_unique" not in indexes


async def _store_as_an_earlier_release(app: FastAPI, phones: list[str]) -> list[str]:
    """Accounts as releases before encryption stored them: clear phone, unique on it."""
    accounts = resources_of(app).database["accounts"]
    await accounts.drop()
    await accounts.create_index([("phone", ASCENDING)], unique=True, name="phone_unique")
    ids = [f"acc_old{i}" for i in range(len(phones))]
    await accounts.insert_many(
        [
            {"_id": account_id, "phone": phone, "created_at": datetime(2025, 1, 2, tzinfo=UTC)}
            for account_id, phone in zip(ids, phones, strict=True)
        ]
    )
    return ids


async def test_clear_phones_of_an_earlier_release_are_encrypted_at_start(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a data folder written by an earlier release
    phones = [a_phone() for _ in range(3)]
    ids = await _store_as_an_earlier_release(app, phones)
    resources = resources_of(app)
    # when the service starts on it, twice (the second start finds nothing to do)
    await ensure_indexes_as_at_start(app)
    after_first = [await account_document(app, account_id) for account_id in ids]
    await ensure_indexes_as_at_start(app)
    # then every phone is encrypted and hashed, and nothing else changed
    for account_id, phone, doc in zip(ids, phones, after_first, strict=True):
        assert "phone" not in doc
        assert doc["phone_hash"] == resources.keys.lookup.digest(phone)
        assert resources.keys.field_cipher.decrypt(doc["phone_cipher"], context=account_id) == (
            phone
        )
        assert await account_document(app, account_id) == doc
    indexes = {index["name"] async for index in await resources.database["accounts"].list_indexes()}
    assert "phone_unique" not in indexes
    assert "phone_hash_unique" in indexes
    # and the holders sign in to their old accounts
    signed_in = await sign_in(client, app, phones[1])
    assert signed_in.account_id == ids[1]


async def test_two_instances_starting_together_migrate_once(app: FastAPI) -> None:
    # given an earlier release's accounts
    phones = [a_phone() for _ in range(4)]
    ids = await _store_as_an_earlier_release(app, phones)
    resources = resources_of(app)
    # when two instances start on them at the same moment
    await asyncio.gather(ensure_indexes_as_at_start(app), ensure_indexes_as_at_start(app))
    # then each phone was encrypted once and opens for its account
    for account_id, phone in zip(ids, phones, strict=True):
        doc = await account_document(app, account_id)
        assert "phone" not in doc
        assert resources.keys.field_cipher.decrypt(doc["phone_cipher"], context=account_id) == (
            phone
        )


async def test_a_migration_interrupted_after_dropping_the_old_index_finishes(
    app: FastAPI,
) -> None:
    # given clear phones whose old unique index was already dropped by an interrupted start
    phones = [a_phone() for _ in range(2)]
    ids = await _store_as_an_earlier_release(app, phones)
    await resources_of(app).database["accounts"].drop_index("phone_unique")
    # when the service starts again
    await ensure_indexes_as_at_start(app)
    # then
    for account_id in ids:
        assert "phone" not in await account_document(app, account_id)


async def test_an_agent_is_found_by_phone_after_the_migration(app: FastAPI) -> None:
    # given an earlier release's verified account
    phone = a_phone()
    [account_id] = await _store_as_an_earlier_release(app, [phone])
    await (
        resources_of(app)
        .database["accounts"]
        .update_one({"_id": account_id}, {"$set": {"real_name": {"id_hash": "h" * 64}}})
    )
    # when
    await ensure_indexes_as_at_start(app)
    # then
    accounts = accounts_of(app)
    assert await accounts.verified_account_id_by_phone(phone) == account_id
    assert await accounts.verified_account_id_by_phone(a_phone()) is None


async def test_redis_holds_no_client_address_phone_or_ticket_in_clear(
    app: FastAPI, from_address: httpx.AsyncClient
) -> None:
    # given a caller who signed in, verified their name and started a liveness check
    await seed_register(app)
    caller = await sign_in(from_address, app, f"+86{LIU_JIANJUN.phone}")
    await verify_as(from_address, caller, LIU_JIANJUN)
    started = await start_liveness(from_address, caller)
    assert started["__typename"] == "LivenessCheckStarted", started
    # when
    stored = await redis_contents(resources_of(app))
    # then the per-address limit is there, under a keyed hash of the address
    assert b":otp-ip:" in stored
    for clear in (CLIENT_IP, f"{LIU_JIANJUN.phone}", LIU_JIANJUN.id_number, started["ticket"]):
        assert clear.encode() not in stored, clear
