"""Trusted-only over WebSocket (graphql-transport-ws): the socket is no way around it."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI

from app.settings import Settings
from app.trusted_documents import DocumentMode, document_hash, document_text
from demo.seed import seed
from tests.identity.verification_factories import resources_of
from tests.resolvers.test_subscriptions import open_session, receive

DEPARTMENTS_ID = f"sha256:{document_hash(document_text('Departments'))}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test's settings in trusted-only mode (the ``app`` and ``live_server`` use them)."""
    return settings.model_copy(update={"graphql_documents": DocumentMode.TRUSTED_ONLY})


async def test_an_ad_hoc_operation_over_a_socket_is_refused(live_server: str) -> None:
    ws = await open_session(live_server)
    try:
        payload = {"query": "subscription { heartbeat(intervalSeconds: 1, count: 1) { sequence } }"}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        message = await receive(ws)
    finally:
        await ws.close()
    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"


async def test_an_unknown_document_id_over_a_socket_is_refused(live_server: str) -> None:
    ws = await open_session(live_server)
    try:
        payload = {"documentId": f"sha256:{'0' * 64}"}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        message = await receive(ws)
    finally:
        await ws.close()
    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_trusted_document_runs_over_a_socket_by_id(app: FastAPI, live_server: str) -> None:
    await seed(resources_of(app))
    ws = await open_session(live_server)
    try:
        payload = {"documentId": DEPARTMENTS_ID, "variables": {"first": 2}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        message = await receive(ws)
        complete = await receive(ws)
    finally:
        await ws.close()
    assert message["type"] == "next", message
    assert len(message["payload"]["data"]["departments"]["edges"]) == 2
    assert complete["type"] == "complete"
