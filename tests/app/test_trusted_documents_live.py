"""Trusted-only over WebSocket (graphql-transport-ws): the socket is no way around it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect

from app.settings import Settings
from app.trusted_documents import DocumentMode, document_hash, document_text
from demo.data.people import LIU_JIANJUN, ZHOU_TING
from demo.seed import seed
from tests.app.conftest import MakeClient
from tests.identity.factories import as_caller
from tests.identity.test_enterprises import RAIL, REVOKE, _citizen, _granted
from tests.identity.verification_factories import resources_of
from tests.resolvers.test_subscriptions import open_session, receive

DEPARTMENTS_ID = f"sha256:{document_hash(document_text('Departments'))}"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test's settings in trusted-only mode (the ``app`` and ``live_server`` use them),
    with a signing key file, so an app built beside them accepts their tokens."""
    return settings.model_copy(
        update={
            "graphql_documents": DocumentMode.TRUSTED_ONLY,
            "jwt_signing_key_file": tmp_path / "jwt-ed25519.pem",
        }
    )


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


async def test_ad_hoc_text_over_a_socket_ends_with_the_enterprise_grant_behind_it(
    app: FastAPI, live_server: str, client_with: MakeClient
) -> None:
    # given Zhou Ting, agent of Liu Jianjun's company, connected acting for it (set up
    # through an allow-mode app over the same database and key)
    setup = await client_with(graphql_documents=DocumentMode.ALLOW)
    setup_app = cast(httpx.ASGITransport, setup._transport).app
    assert isinstance(setup_app, FastAPI)
    await seed(resources_of(app))
    liu = await _citizen(setup, setup_app, LIU_JIANJUN)
    zhou = await _citizen(setup, setup_app, ZHOU_TING)
    grant = await _granted(setup, liu, zhou, ["profile:read"])
    query = "{ actingEnterprise { __typename ... on EnterpriseProfile { uscc } } }"
    async with connect(
        live_server.replace("http", "ws") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers={"X-Acting-For": RAIL.uscc},
    ) as ws:
        init = {"authorization": f"Bearer {zhou.access_token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        acting = await receive(ws)
        assert acting["type"] == "next", acting
        assert acting["payload"]["data"]["actingEnterprise"]["uscc"] == RAIL.uscc
        assert (await receive(ws))["type"] == "complete"
        # when the representative revokes the grant
        revoked = await as_caller(setup, liu, REVOKE, {"grantId": grant["id"]})
        assert revoked["data"]["revokeAgent"]["__typename"] == "AgentRevoked", revoked
        # then the same connection's ad-hoc text is refused, as for a citizen
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": query}}))
        refused = await receive(ws)
        assert refused["type"] == "error", refused
        assert refused["payload"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        # while a trusted document still runs on it
        payload = {"documentId": DEPARTMENTS_ID, "variables": {"first": 1}}
        await ws.send(json.dumps({"id": "3", "type": "subscribe", "payload": payload}))
        trusted = await receive(ws)
        assert trusted["type"] == "next", trusted
        assert len(trusted["payload"]["data"]["departments"]["edges"]) == 1
