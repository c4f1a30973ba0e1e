"""The enterprise's wallet through an agent, on the real servers and the demo's register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from demo.data.enterprises import ENTERPRISES
from demo.data.people import LIU_JIANJUN, ZHOU_TING
from demo.seed import seed
from tests.identity.factories import SignedInCaller, as_caller
from tests.identity.verification_factories import resources_of
from tests.liferecord.documents import verified_caller
from tests.wallet.factories import business_licence, wallet
from tests.wallet.test_show_codes import CREATE, VERIFY

RAIL = ENTERPRISES[0]

FIELDS = """
  __typename
  ... on WalletLicenceConnection { edges { node { uri type holderKind status } } }
  ... on ActingForbidden { code requiredScope }
  ... on AuthenticationRequired { code }
"""
ROOT_WALLET = f"query {{ enterpriseWallet(first: 10) {{ {FIELDS} }} }}"
PROFILE_WALLET = f"""
query {{ actingEnterprise {{ __typename ... on EnterpriseProfile {{ uscc wallet {{ {FIELDS} }} }}
  ... on ActingForbidden {{ requiredScope }} }} }}
"""

GRANT = """
mutation ($uscc: String!, $agentPhone: String!, $scopes: [String!]!, $expiresAt: DateTime!) {
  grantAgent(uscc: $uscc, agentPhone: $agentPhone, scopes: $scopes, expiresAt: $expiresAt) {
    __typename
  }
}
"""


async def _rail_agent(app: FastAPI, client: httpx.AsyncClient, scopes: list[str]) -> SignedInCaller:
    """Zhou, an agent of the rail company (Liu, its representative, grants ``scopes``)."""
    await seed(resources_of(app))
    liu = await verified_caller(client, app, LIU_JIANJUN)
    zhou = await verified_caller(client, app, ZHOU_TING)
    claimed = await as_caller(
        client,
        liu,
        "mutation ($uscc: String!) { claimEnterprise(uscc: $uscc) { __typename } }",
        {"uscc": RAIL.uscc},
    )
    assert claimed["data"]["claimEnterprise"]["__typename"] == "EnterpriseClaimed", claimed
    granted = await as_caller(
        client,
        liu,
        GRANT,
        {
            "uscc": RAIL.uscc,
            "agentPhone": zhou.phone,
            "scopes": scopes,
            "expiresAt": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        },
    )
    assert granted["data"]["grantAgent"]["__typename"] == "AgentGranted", granted
    return zhou


async def _read(
    client: httpx.AsyncClient, caller: SignedInCaller, query: str, acting: str | None = RAIL.uscc
) -> dict[str, Any]:
    headers = {"X-Acting-For": acting} if acting else {}
    body = await as_caller(client, caller, query, headers=headers)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


async def test_an_agent_with_wallet_read_reads_and_shows_the_enterprises_licences(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the rail company's business licence and another company's
    zhou = await _rail_agent(app, client, ["wallet:read", "profile:read"])
    licence = await wallet(app).issue(business_licence(RAIL.uscc))
    await wallet(app).issue(business_licence(ENTERPRISES[1].uscc))
    # when its agent reads the enterprise's wallet, at the root and in its profile
    root = (await _read(client, zhou, ROOT_WALLET))["enterpriseWallet"]
    profile = (await _read(client, zhou, PROFILE_WALLET))["actingEnterprise"]["wallet"]
    # then both list the rail company's licence only
    expected = [
        {
            "uri": licence.uri,
            "type": "BUSINESS_LICENCE",
            "holderKind": "ENTERPRISE",
            "status": "VALID",
        }
    ]
    assert [e["node"] for e in root["edges"]] == expected
    assert [e["node"] for e in profile["edges"]] == expected
    # and the agent may show it, acting for the enterprise, but not otherwise
    fields = {"licence": licence.uri, "fields": ["name", "number"]}
    shown = await as_caller(client, zhou, CREATE, fields, headers={"X-Acting-For": RAIL.uscc})
    token = shown["data"]["createShowCode"]["token"]
    checked = await as_caller(client, zhou, VERIFY, {"token": token})
    assert checked["data"]["verifyLicence"]["status"] == "VALID"
    alone = await as_caller(client, zhou, CREATE, fields)
    assert alone["data"]["createShowCode"]["__typename"] == "NotFound"


async def test_an_agent_without_wallet_read_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    zhou = await _rail_agent(app, client, ["profile:read"])
    await wallet(app).issue(business_licence(RAIL.uscc))
    refused = {
        "__typename": "ActingForbidden",
        "code": "ACTING_FORBIDDEN",
        "requiredScope": "wallet:read",
    }
    assert (await _read(client, zhou, ROOT_WALLET))["enterpriseWallet"] == refused
    profile = (await _read(client, zhou, PROFILE_WALLET))["actingEnterprise"]
    assert profile["wallet"] == refused
    # not acting for anyone at all
    assert (await _read(client, zhou, ROOT_WALLET, acting=None))["enterpriseWallet"] == refused
    # and showing the enterprise's licence reads as no licence
    licence_uri = (await wallet(app).licences_held_by(business_licence(RAIL.uscc).holder))[0].uri
    shown = await as_caller(
        client,
        zhou,
        CREATE,
        {"licence": licence_uri, "fields": ["name"]},
        headers={"X-Acting-For": RAIL.uscc},
    )
    assert shown["data"]["createShowCode"]["__typename"] == "NotFound"
