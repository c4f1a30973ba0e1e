"""The demo exchange as its own process: signed requests only, and its own access log."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from demo.data.people import LIU_JIANJUN
from devstack.servers import DevStack
from identity.masking import mask_id_number
from infra.exchange_signing import NONCE_HEADER, SIGNATURE_HEADER, ExchangeSigner
from tests.conftest import ExchangeProcess
from tests.exchange import signer_of

RESIDENT = f"/v1/residents/{LIU_JIANJUN.id_number}"


@pytest.fixture
async def http(exchange_process: ExchangeProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=exchange_process.url) as client:
        yield client


@pytest.fixture
async def access_log(servers: DevStack, exchange_process: ExchangeProcess) -> AsyncIterator[Any]:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongodb_url)
    try:
        yield mongo[exchange_process.database]["exchange_access_log"]
    finally:
        await mongo.close()


def signed(signer: ExchangeSigner, target: str) -> dict[str, str]:
    return dict(signer.headers("GET", target, b""))


async def test_a_signed_request_is_answered_and_logged_without_the_id_number(
    http: httpx.AsyncClient, exchange_process: ExchangeProcess, access_log: Any
) -> None:
    # given the API's credential
    headers = signed(signer_of(exchange_process), RESIDENT)
    # when it asks for a resident
    answer = await http.get(RESIDENT, headers=headers)
    # then the register answers, and the exchange's own log names who, what and when
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == LIU_JIANJUN.name
    entry = await access_log.find_one({"status": 200}, sort=[("at", -1)])
    assert entry is not None
    assert entry["client_id"] == exchange_process.client_id
    assert entry["route"] == "population.resident"
    assert entry["subject_masked"] == mask_id_number(LIU_JIANJUN.id_number)
    assert entry["at"] is not None
    # whose data it was is kept hashed: the number itself is nowhere in the entry
    assert LIU_JIANJUN.id_number not in repr(entry)
    assert len(entry["subject"]) == 32


async def test_a_wrong_signature_is_refused_and_logged(
    http: httpx.AsyncClient, exchange_process: ExchangeProcess, access_log: Any
) -> None:
    # given a request signed with another key
    impostor = ExchangeSigner(exchange_process.client_id, b"not-the-key-" * 4)
    # when
    answer = await http.get(RESIDENT, headers=signed(impostor, RESIDENT))
    # then nothing is read, and the refusal is in the log
    assert answer.status_code == 401
    assert answer.json()["reason"] == "bad_signature"
    assert "name" not in answer.text
    assert await access_log.find_one({"refusal": "bad_signature"}) is not None


async def test_a_signature_for_another_path_is_refused(
    http: httpx.AsyncClient, exchange_process: ExchangeProcess
) -> None:
    # given a signature made for someone else's record
    headers = signed(signer_of(exchange_process), "/v1/residents/430204199001010000")
    # when it is sent with this resident's path
    answer = await http.get(RESIDENT, headers=headers)
    # then
    assert answer.status_code == 401
    assert answer.json()["reason"] == "bad_signature"


async def test_a_replayed_nonce_is_refused(
    http: httpx.AsyncClient, exchange_process: ExchangeProcess
) -> None:
    # given a request that was answered
    headers = signed(signer_of(exchange_process), RESIDENT)
    first = await http.get(RESIDENT, headers=headers)
    assert first.status_code == 200
    # when the very same request is sent again
    again = await http.get(RESIDENT, headers=headers)
    # then
    assert again.status_code == 401
    assert again.json()["reason"] == "replayed_nonce"


async def test_a_stale_timestamp_is_refused(
    http: httpx.AsyncClient, exchange_process: ExchangeProcess
) -> None:
    # given a correctly signed request made ten minutes ago
    key = signer_of(exchange_process).key
    old = ExchangeSigner(exchange_process.client_id, key, clock=lambda: time.time() - 600)
    # when
    answer = await http.get(RESIDENT, headers=signed(old, RESIDENT))
    # then
    assert answer.status_code == 401
    assert answer.json()["reason"] == "stale_timestamp"


async def test_unsigned_and_unknown_clients_are_refused(
    http: httpx.AsyncClient, exchange_process: ExchangeProcess
) -> None:
    # given a request without signature, and one from a client the exchange does not know
    stranger = ExchangeSigner("someone-else", signer_of(exchange_process).key)
    headers = signed(signer_of(exchange_process), RESIDENT)
    del headers[SIGNATURE_HEADER], headers[NONCE_HEADER]
    # when
    unsigned = await http.get(RESIDENT, headers=headers)
    unknown = await http.get(RESIDENT, headers=signed(stranger, RESIDENT))
    # then
    assert (unsigned.status_code, unsigned.json()["reason"]) == (401, "unsigned")
    assert (unknown.status_code, unknown.json()["reason"]) == (401, "unknown_client")


async def test_the_fault_routes_need_the_admin_key(
    http: httpx.AsyncClient, exchange_process: ExchangeProcess
) -> None:
    # when a fault is set with the client key instead of the admin key
    answer = await http.put(
        "/admin/v1/faults",
        json={"path": RESIDENT, "status": 500},
        headers={"X-Exchange-Admin-Key": exchange_process.key_file.read_text().strip()},
    )
    # then it is refused and the resident is still answered
    assert answer.status_code == 401
    ok = await http.get(RESIDENT, headers=signed(signer_of(exchange_process), RESIDENT))
    assert ok.status_code == 200
