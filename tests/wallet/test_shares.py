"""Sharing licences through ``/graphql`` and the link's REST view, on the real servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import graphql
from tests.identity.factories import SignedInCaller, as_caller
from tests.wallet.factories import resident_id, verified, wallet
from tests.wallet.test_show_codes import LOG
from wallet.models import Licence, StatusChange
from wallet.shares import ShareService

SHARE = """
mutation ($licence: String!, $party: String!, $purpose: String!, $fields: [String!]!,
          $days: Int!) {
  shareLicence(licence: $licence, party: $party, purpose: $purpose, fields: $fields,
               expiresInDays: $days) {
    __typename
    ... on LicenceShared { token link share { id licenceUri party purpose fields expiresAt } }
    ... on UserError { code field }
  }
}
"""

REVOKE = """
mutation ($share: String!) {
  revokeShare(share: $share) {
    __typename
    ... on ShareRevoked { share { id revokedAt } }
    ... on UserError { code field }
  }
}
"""

OPEN = """
query ($token: String!) {
  sharedLicence(token: $token) {
    authentic failure status expiresAt
    licence { uri type issuer issuedOn expiresOn }
    disclosed { name value }
  }
}
"""

MY_SHARES = """
query { me { licenceShares(first: 10) {
  __typename
  ... on LicenceShareConnection { edges { node { id party purpose fields revokedAt } } }
} } }
"""


async def _share(
    client: httpx.AsyncClient, caller: SignedInCaller, uri: str, **changes: Any
) -> dict[str, Any]:
    variables = {
        "licence": uri,
        "party": "株洲银行芦淞支行",
        "purpose": "开户核验",
        "fields": ["name", "address"],
        "days": 7,
    } | changes
    body = await as_caller(client, caller, SHARE, variables)
    result: dict[str, Any] = body["data"]["shareLicence"]
    return result


async def _open(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    body = await graphql(client, OPEN, {"token": token})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["sharedLicence"]
    return result


async def _alice(client: httpx.AsyncClient, app: FastAPI) -> tuple[SignedInCaller, Licence]:
    alice = await verified(client, app)
    return alice, await wallet(app).issue(resident_id(alice.account_id))


async def test_a_shared_link_shows_the_chosen_fields_and_is_logged_in_the_partys_name(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given alice shares her name and address with her bank for a week
    alice, licence = await _alice(client, app)
    shared = await _share(client, alice, licence.uri)
    assert shared["__typename"] == "LicenceShared", shared
    assert shared["link"] == "/wallet/shares/" + shared["token"]
    assert len(shared["token"]) >= 43
    # when the bank opens the link, through GraphQL and as a plain web link
    view = await _open(client, shared["token"])
    page = await client.get(shared["link"])
    # then both show the two fields, the licence valid and authentic
    assert (view["authentic"], view["status"], view["failure"]) == (True, "VALID", None)
    assert view["licence"]["uri"] == licence.uri
    assert [(f["name"], f["value"]) for f in view["disclosed"]] == [
        ("name", "张三丰"),
        ("address", "湖南省株洲市天元区神农大道1号"),
    ]
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.json()["disclosed"] == {
        "name": "张三丰",
        "address": "湖南省株洲市天元区神农大道1号",
    }
    assert page.json()["status"] == "valid"
    # and alice's log has both openings, in the bank's name
    log = await as_caller(client, alice, LOG, {"first": 10})
    entries = [e["node"] for e in log["data"]["me"]["licenceVerifications"]["edges"]]
    assert [(e["channel"], e["verifier"]) for e in entries] == [("SHARE", "株洲银行芦淞支行")] * 2
    # neither the link's secret nor the party is stored in clear
    raw = str(await app.state.resources.database["licence_shares"].find_one({}))
    assert shared["token"] not in raw
    assert "株洲银行" not in raw
    # alice lists her share
    mine = await as_caller(client, alice, MY_SHARES)
    [listed] = [e["node"] for e in mine["data"]["me"]["licenceShares"]["edges"]]
    assert listed == {
        "id": shared["share"]["id"],
        "party": "株洲银行芦淞支行",
        "purpose": "开户核验",
        "fields": ["name", "address"],
        "revokedAt": None,
    }


async def test_a_revoked_or_expired_share_opens_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    alice, licence = await _alice(client, app)
    bob = await verified(client, app)
    first = await _share(client, alice, licence.uri)
    second = await _share(client, alice, licence.uri, days=1)
    # bob cannot revoke alice's share
    other = await as_caller(client, bob, REVOKE, {"share": first["share"]["id"]})
    assert other["data"]["revokeShare"]["__typename"] == "NotFound"
    # alice revokes the first: its link is dead, on both doors
    revoked = await as_caller(client, alice, REVOKE, {"share": first["share"]["id"]})
    assert revoked["data"]["revokeShare"]["share"]["revokedAt"] is not None
    dead = await _open(client, first["token"])
    assert (dead["authentic"], dead["failure"], dead["disclosed"]) == (
        False,
        "SHARE_UNAVAILABLE",
        [],
    )
    page = await client.get(first["link"])
    assert (page.status_code, page.json()) == (404, {"failure": "share_unavailable"})
    again = await as_caller(client, alice, REVOKE, {"share": first["share"]["id"]})
    assert again["data"]["revokeShare"]["__typename"] == "NotFound"
    # the second still opens today, and no longer two days later
    assert (await _open(client, second["token"]))["status"] == "VALID"
    sharing: ShareService = app.state.services.get(ShareService)
    sharing.clock = lambda: datetime.now(UTC) + timedelta(days=2)
    try:
        assert (await _open(client, second["token"]))["failure"] == "SHARE_UNAVAILABLE"
    finally:
        sharing.clock = lambda: datetime.now(UTC)
    # an unknown link reads the same
    assert (await _open(client, "x" * 43))["failure"] == "SHARE_UNAVAILABLE"
    assert (await client.get("/wallet/shares/nonsense")).status_code == 404


async def test_a_share_shows_the_licence_as_it_stands(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    alice, licence = await _alice(client, app)
    shared = await _share(client, alice, licence.uri)
    await wallet(app).change_status(licence.uri, StatusChange.SUSPEND, "核查", by="officer")
    assert (await _open(client, shared["token"]))["status"] == "SUSPENDED"
    # and a suspended licence cannot be shared anew
    assert (await _share(client, alice, licence.uri))["__typename"] == "LicenceNotValid"


async def test_sharing_another_persons_licence_or_bad_input_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    alice, licence = await _alice(client, app)
    bob = await verified(client, app)
    assert (await _share(client, bob, licence.uri))["__typename"] == "NotFound"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"days": 0}, "expiresInDays"),
        ({"days": 31}, "expiresInDays"),
        ({"party": "  "}, "party"),
        ({"purpose": "x" * 201}, "purpose"),
        ({"fields": ["salary"]}, "fields"),
        ({"fields": []}, "fields"),
    ]
    for changes, field in cases:
        refused = await _share(client, alice, licence.uri, **changes)
        assert (refused["code"], refused["field"]) == ("INVALID_INPUT", field), changes
    assert await app.state.resources.database["licence_shares"].count_documents({}) == 0
