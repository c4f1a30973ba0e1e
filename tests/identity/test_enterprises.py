"""Enterprises, legal representatives and agents through ``/graphql``, on the real servers.

Real names are bound straight into the accounts collection (as verification stores
them) so these tests do not depend on the real-name flow.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pymongo.errors import DuplicateKeyError

from app.demo.enterprises import ENTERPRISES, unified_social_credit_code
from app.demo.people import LI_XIAOYAN, LIU_JIANJUN, WANG_HAORAN, ZHOU_TING
from app.resources import Resources
from app.seed import seed
from exchange.models import EntityStatus, LegalEntityRecord, ResidentRecord
from identity.models import Gender, RealName
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.identity.verification_factories import accounts_of

CLAIM = """
mutation ($uscc: String!) {
  claimEnterprise(uscc: $uscc) {
    __typename
    ... on EnterpriseClaimed { enterprise { uscc name { zh en } } claimedAt }
    ... on UserError { code message messageEn field }
    ... on StepUpRequired { requiredLevel currentLevel }
  }
}
"""

GRANT = """
mutation ($uscc: String!, $agentPhone: String!, $scopes: [String!]!, $expiresAt: DateTime!) {
  grantAgent(uscc: $uscc, agentPhone: $agentPhone, scopes: $scopes, expiresAt: $expiresAt) {
    __typename
    ... on AgentGranted {
      grant { id uscc agentPhoneMasked scopes expiresAt grantedAt revokedAt }
    }
    ... on UserError { code message messageEn field }
  }
}
"""

REVOKE = """
mutation ($grantId: String!) {
  revokeAgent(grantId: $grantId) {
    __typename
    ... on AgentRevoked { grant { id revokedAt } }
    ... on UserError { code field }
  }
}
"""

ACTING_AS = """
query {
  me { actingAs { enterprise { uscc name { zh } } asLegalRepresentative scopes expiresAt } }
}
"""

ACTING_ENTERPRISE = """
query {
  actingEnterprise {
    __typename
    ... on EnterpriseProfile {
      uscc name { zh en } entityType status establishedOn
      agents {
        __typename
        ... on EnterpriseAgents { grants { id agentPhoneMasked scopes } }
        ... on ActingForbidden { code requiredScope }
      }
    }
    ... on ActingForbidden { code message messageEn requiredScope }
    ... on AuthenticationRequired { code reason }
  }
}
"""

RAIL, APPAREL, _, AERO, _, _, HARDWARE = ENTERPRISES
assert RAIL.legal_representative_id_number == LIU_JIANJUN.id_number
assert APPAREL.legal_representative_id_number == LI_XIAOYAN.id_number
assert HARDWARE.status is EntityStatus.DEREGISTERED
# Represented by someone outside the demo population register.
assert AERO.legal_representative_id_number not in {LIU_JIANJUN.id_number, ZHOU_TING.id_number}


def _e164(resident: ResidentRecord) -> str:
    assert resident.phone is not None
    return f"+86{resident.phone}"


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _resources(app: FastAPI) -> Resources:
    resources: Resources = app.state.resources
    return resources


async def _seeded(app: FastAPI) -> None:
    await seed(_resources(app))


async def _citizen(
    client: httpx.AsyncClient, app: FastAPI, resident: ResidentRecord, *, verified: bool = True
) -> SignedInCaller:
    """A signed-in citizen; with ``verified``, real-name bound as verification stores it."""
    caller = await sign_in(client, app, _e164(resident))
    if verified:
        resources = _resources(app)
        real_name = RealName(
            name=resident.name,
            id_number=resident.id_number,
            birth_date=resident.birth_date,
            gender=Gender(resident.gender.value),
            verified_at=datetime.now(UTC),
        )
        fields = accounts_of(app).document_fields_for_real_name(
            caller.account_id, real_name, resources.keys.lookup.digest(resident.id_number)
        )
        result = await resources.database["accounts"].update_one(
            {"_id": caller.account_id}, {"$set": {"real_name": fields}}
        )
        assert result.modified_count == 1
    return caller


async def _stored(app: FastAPI) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every enterprise claim and agent grant in the database."""
    database = _resources(app).database
    enterprises = [doc async for doc in database["enterprises"].find().sort("_id")]
    grants = [doc async for doc in database["agent_grants"].find().sort("_id")]
    return enterprises, grants


async def _claim(client: httpx.AsyncClient, caller: SignedInCaller, uscc: str) -> dict[str, Any]:
    body = await as_caller(client, caller, CLAIM, {"uscc": uscc})
    result: dict[str, Any] = body["data"]["claimEnterprise"]
    return result


async def _grant(
    client: httpx.AsyncClient,
    representative: SignedInCaller,
    agent: SignedInCaller,
    scopes: list[str],
    *,
    uscc: str = RAIL.uscc,
    expires_at: str | None = None,
) -> dict[str, Any]:
    variables = {
        "uscc": uscc,
        "agentPhone": agent.phone,
        "scopes": scopes,
        "expiresAt": expires_at or _in(30),
    }
    body = await as_caller(client, representative, GRANT, variables)
    result: dict[str, Any] = body["data"]["grantAgent"]
    return result


async def _granted(
    client: httpx.AsyncClient,
    representative: SignedInCaller,
    agent: SignedInCaller,
    scopes: list[str],
) -> dict[str, Any]:
    result = await _grant(client, representative, agent, scopes)
    assert result["__typename"] == "AgentGranted", result
    grant: dict[str, Any] = result["grant"]
    return grant


async def _acting_enterprise(
    client: httpx.AsyncClient, caller: SignedInCaller, uscc: str | None
) -> dict[str, Any]:
    headers = {} if uscc is None else {"X-Acting-For": uscc}
    body = await as_caller(client, caller, ACTING_ENTERPRISE, headers=headers)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["actingEnterprise"]
    return result


async def _acting_as(client: httpx.AsyncClient, caller: SignedInCaller) -> list[dict[str, Any]]:
    body = await as_caller(client, caller, ACTING_AS)
    entries: list[dict[str, Any]] = body["data"]["me"]["actingAs"]
    return entries


def _forbidden(result: dict[str, Any], scope: str) -> None:
    assert result["__typename"] == "ActingForbidden", result
    assert result["code"] == "ACTING_FORBIDDEN"
    assert result["requiredScope"] == scope


# --- claims ---


async def test_legal_representative_claims_their_active_enterprise_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    # when
    first = await _claim(client, liu, RAIL.uscc.lower())
    again = await _claim(client, liu, RAIL.uscc)
    # then
    assert first["__typename"] == "EnterpriseClaimed", first
    assert first["enterprise"] == {
        "uscc": RAIL.uscc,
        "name": {"zh": RAIL.name.zh, "en": RAIL.name.en},
    }
    assert again == first  # idempotent: same claim time
    (enterprise,), grants = await _stored(app)
    assert enterprise["_id"] == RAIL.uscc
    assert enterprise["legal_representative_account_id"] == liu.account_id
    assert LIU_JIANJUN.id_number not in repr(enterprise)  # only the keyed hash is kept
    assert grants == []


async def test_claim_needs_a_verified_real_name(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given: the representative, signed in but not real-name verified
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN, verified=False)
    # when
    result = await _claim(client, liu, RAIL.uscc)
    # then
    assert result["__typename"] == "StepUpRequired", result
    assert (result["requiredLevel"], result["currentLevel"]) == ("REAL_NAME", "PHONE")
    assert await _stored(app) == ([], [])


@pytest.mark.parametrize("enterprise", [RAIL, AERO], ids=["someone-elses", "non-citizen-rep"])
async def test_citizen_who_is_not_the_representative_cannot_claim(
    app: FastAPI,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    enterprise: LegalEntityRecord,
) -> None:
    # given
    await _seeded(app)
    zhou = await _citizen(client, app, ZHOU_TING)
    caplog.set_level(logging.INFO, logger="identity")
    # when
    result = await _claim(client, zhou, enterprise.uscc)
    # then
    assert result["__typename"] == "NotLegalRepresentative", result
    assert (result["code"], result["field"]) == ("NOT_LEGAL_REPRESENTATIVE", "uscc")
    assert await _stored(app) == ([], [])
    # the refusal is logged without either ID number
    assert "identity.enterprise.not_legal_representative" in caplog.text
    assert ZHOU_TING.id_number not in caplog.text
    assert enterprise.legal_representative_id_number not in caplog.text


async def test_deregistered_enterprise_cannot_be_claimed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Liu is the registered operator of the deregistered hardware store
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    # when
    result = await _claim(client, liu, HARDWARE.uscc)
    # then
    assert result["__typename"] == "EnterpriseUnavailable", result
    assert result["code"] == "ENTERPRISE_NOT_ACTIVE"
    assert await _stored(app) == ([], [])


@pytest.mark.parametrize(
    "uscc",
    [
        # RAIL's code with another check character (its own is the last one).
        RAIL.uscc[:-1] + ("0" if RAIL.uscc[-1] != "0" else "1"),
        RAIL.uscc[:-1],
        RAIL.uscc[:-1] + "I",  # GB 32100 never uses I, O, S, V or Z
    ],
    ids=["check-character", "too-short", "excluded-letter"],
)
async def test_malformed_code_is_invalid_input(
    app: FastAPI, client: httpx.AsyncClient, uscc: str
) -> None:
    # given
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    # when
    result = await _claim(client, liu, uscc)
    # then
    assert result["__typename"] == "InvalidInput", result
    assert (result["code"], result["field"]) == ("INVALID_USCC", "uscc")
    assert await _stored(app) == ([], [])


async def test_well_formed_code_missing_from_the_register_is_not_registered(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: a well-formed code that no demo entity has
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    unknown = unified_social_credit_code("91", "430211", "MA4Y9Y9Y")
    # when
    result = await _claim(client, liu, unknown)
    # then
    assert result["__typename"] == "EnterpriseUnavailable", result
    assert result["code"] == "ENTERPRISE_NOT_REGISTERED"
    assert await _stored(app) == ([], [])


# --- grants and acting ---


async def test_granted_agent_sees_the_enterprise_in_acting_as(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    expires_at = _in(30)
    # when (granting also claims the enterprise for its representative)
    result = await _grant(client, liu, zhou, ["wallet:read", "profile:read"], expires_at=expires_at)
    # then
    assert result["__typename"] == "AgentGranted", result
    grant = result["grant"]
    assert grant["uscc"] == RAIL.uscc
    assert grant["scopes"] == ["profile:read", "wallet:read"]
    assert grant["agentPhoneMasked"] == "139****0008"
    assert grant["revokedAt"] is None
    assert await _acting_as(client, zhou) == [
        {
            "enterprise": {"uscc": RAIL.uscc, "name": {"zh": RAIL.name.zh}},
            "asLegalRepresentative": False,
            "scopes": ["profile:read", "wallet:read"],
            "expiresAt": grant["expiresAt"],
        }
    ]
    stored_expiry = datetime.fromisoformat(grant["expiresAt"])
    assert abs(stored_expiry - datetime.fromisoformat(expires_at)) < timedelta(milliseconds=1)
    assert await _acting_as(client, liu) == [
        {
            "enterprise": {"uscc": RAIL.uscc, "name": {"zh": RAIL.name.zh}},
            "asLegalRepresentative": True,
            "scopes": ["agents:manage", "applications:submit", "profile:read", "wallet:read"],
            "expiresAt": None,
        }
    ]
    enterprises, (stored,) = await _stored(app)
    assert [e["legal_representative_account_id"] for e in enterprises] == [liu.account_id]
    assert (stored["agent_account_id"], stored["granted_by"]) == (zhou.account_id, liu.account_id)


async def test_agent_acting_for_the_enterprise_reads_its_profile_but_not_its_agents(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    grant = await _granted(client, liu, zhou, ["profile:read"])
    # when
    as_agent = await _acting_enterprise(client, zhou, RAIL.uscc)
    as_representative = await _acting_enterprise(client, liu, RAIL.uscc)
    # then
    assert as_agent["__typename"] == "EnterpriseProfile", as_agent
    assert as_agent["uscc"] == RAIL.uscc
    assert as_agent["name"] == {"zh": RAIL.name.zh, "en": RAIL.name.en}
    assert as_agent["entityType"] == "LIMITED_LIABILITY_COMPANY"
    assert as_agent["status"] == "ACTIVE"
    assert as_agent["establishedOn"] == RAIL.established_on.isoformat()
    _forbidden(as_agent["agents"], "agents:manage")
    assert as_representative["agents"] == {
        "__typename": "EnterpriseAgents",
        "grants": [
            {"id": grant["id"], "agentPhoneMasked": "139****0008", "scopes": ["profile:read"]}
        ],
    }


async def test_agent_outside_its_scope_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given: a grant without profile:read
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    await _granted(client, liu, zhou, ["wallet:read", "applications:submit"])
    # when
    result = await _acting_enterprise(client, zhou, RAIL.uscc)
    # then
    _forbidden(result, "profile:read")
    # the refusal does not tell which scopes the grant does hold
    assert "wallet" not in result["message"] + result["messageEn"]


async def test_agent_after_expiry_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given: a grant whose expiry has passed
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    grant = await _granted(client, liu, zhou, ["profile:read"])
    assert (await _acting_enterprise(client, zhou, RAIL.uscc))["__typename"] == "EnterpriseProfile"
    moved = (
        await _resources(app)
        .database["agent_grants"]
        .update_one(
            {"_id": grant["id"]}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
        )
    )
    assert moved.modified_count == 1
    # when
    result = await _acting_enterprise(client, zhou, RAIL.uscc)
    # then
    _forbidden(result, "profile:read")
    assert await _acting_as(client, zhou) == []


async def test_agent_after_revocation_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    grant = await _granted(client, liu, zhou, ["profile:read"])
    # when
    revoked = await as_caller(client, liu, REVOKE, {"grantId": grant["id"]})
    # then
    result = revoked["data"]["revokeAgent"]
    assert result["__typename"] == "AgentRevoked", result
    assert result["grant"]["id"] == grant["id"]
    assert result["grant"]["revokedAt"] is not None
    _forbidden(await _acting_enterprise(client, zhou, RAIL.uscc), "profile:read")
    assert await _acting_as(client, zhou) == []
    again = await as_caller(client, liu, REVOKE, {"grantId": grant["id"]})
    assert again["data"]["revokeAgent"] == {
        "__typename": "NotFound",
        "code": "NOT_FOUND",
        "field": "grantId",
    }


async def test_citizen_without_a_grant_cannot_act_for_the_enterprise(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Liu holds the enterprise and granted nobody
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    wang = await _citizen(client, app, WANG_HAORAN)
    assert (await _claim(client, liu, RAIL.uscc))["__typename"] == "EnterpriseClaimed"
    # when
    result = await _acting_enterprise(client, wang, RAIL.uscc)
    # then
    _forbidden(result, "profile:read")
    assert await _acting_as(client, wang) == []


async def test_acting_needs_the_header_and_a_signed_in_caller(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    assert (await _claim(client, liu, RAIL.uscc))["__typename"] == "EnterpriseClaimed"
    # when: the representative without the header, with a malformed one, and nobody
    without_header = await _acting_enterprise(client, liu, None)
    malformed = await _acting_enterprise(client, liu, "not-a-code")
    response = await client.post(
        "/graphql", json={"query": ACTING_ENTERPRISE}, headers={"X-Acting-For": RAIL.uscc}
    )
    # then: acting is never implied
    _forbidden(without_header, "profile:read")
    _forbidden(malformed, "profile:read")
    anonymous = response.json()["data"]["actingEnterprise"]
    assert anonymous == {
        "__typename": "AuthenticationRequired",
        "code": "AUTHENTICATION_REQUIRED",
        "reason": "MISSING",
    }


async def test_representative_replaced_in_the_register_loses_the_enterprise(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Liu claimed and granted Zhou, then the register names Wang instead
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    wang = await _citizen(client, app, WANG_HAORAN)
    await _granted(client, liu, zhou, ["profile:read"])
    await _resources(app).registers.upsert_entities(
        [
            dataclasses.replace(
                RAIL,
                legal_representative_id_number=WANG_HAORAN.id_number,
                legal_representative_name=WANG_HAORAN.name,
            )
        ]
    )
    # when
    liu_acting = await _acting_enterprise(client, liu, RAIL.uscc)
    zhou_before = await _acting_enterprise(client, zhou, RAIL.uscc)
    claimed = await _claim(client, wang, RAIL.uscc)
    # then
    _forbidden(liu_acting, "profile:read")
    _forbidden(zhou_before, "profile:read")
    assert claimed["__typename"] == "EnterpriseClaimed", claimed
    (enterprise,), (grant,) = await _stored(app)
    assert enterprise["legal_representative_account_id"] == wang.account_id
    assert grant["revoke_reason"] == "representative_changed"
    assert await _acting_as(client, liu) == []
    assert await _acting_as(client, zhou) == []
    assert [e["asLegalRepresentative"] for e in await _acting_as(client, wang)] == [True]


async def test_new_grant_to_the_same_agent_replaces_the_previous_one(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    first = await _granted(client, liu, zhou, ["profile:read"])
    # when
    second = await _granted(client, liu, zhou, ["wallet:read"])
    # then
    _forbidden(await _acting_enterprise(client, zhou, RAIL.uscc), "profile:read")
    assert [e["scopes"] for e in await _acting_as(client, zhou)] == [["wallet:read"]]
    _, grants = await _stored(app)
    live = {g["_id"]: g["revoked_at"] for g in grants}
    assert live[second["id"]] is None
    assert live[first["id"]] is not None


# --- who may grant and revoke, and what ---


async def test_citizen_who_is_not_the_representative_cannot_grant(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _seeded(app)
    zhou = await _citizen(client, app, ZHOU_TING)
    wang = await _citizen(client, app, WANG_HAORAN)
    # when
    result = await _grant(client, zhou, wang, ["profile:read"])
    # then
    assert result["__typename"] == "NotLegalRepresentative", result
    assert await _stored(app) == ([], [])


async def test_only_the_representative_of_its_enterprise_can_revoke_a_grant(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Liu's grant to Zhou, and Li, representative of another enterprise
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    li = await _citizen(client, app, LI_XIAOYAN)
    assert (await _claim(client, li, APPAREL.uscc))["__typename"] == "EnterpriseClaimed"
    grant = await _granted(client, liu, zhou, ["profile:read"])
    before = await _stored(app)
    # when
    by_other_representative = await as_caller(client, li, REVOKE, {"grantId": grant["id"]})
    by_the_agent = await as_caller(client, zhou, REVOKE, {"grantId": grant["id"]})
    unknown = await as_caller(client, liu, REVOKE, {"grantId": "agr_" + "0" * 32})
    # then
    not_found = {"__typename": "NotFound", "code": "NOT_FOUND", "field": "grantId"}
    assert by_other_representative["data"]["revokeAgent"] == not_found
    assert by_the_agent["data"]["revokeAgent"] == not_found
    assert unknown["data"]["revokeAgent"] == not_found
    assert await _stored(app) == before
    assert (await _acting_enterprise(client, zhou, RAIL.uscc))["__typename"] == "EnterpriseProfile"


@pytest.mark.parametrize(
    "scopes",
    [["admin"], ["agents:manage"], [], ["profile:read", "everything"]],
    ids=["unknown", "representative-only", "none", "one-unknown"],
)
async def test_scopes_outside_the_grantable_set_are_invalid_input(
    app: FastAPI, client: httpx.AsyncClient, scopes: list[str]
) -> None:
    # given
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    # when
    result = await _grant(client, liu, zhou, scopes)
    # then
    assert result["__typename"] == "InvalidInput", result
    assert (result["code"], result["field"]) == ("INVALID_INPUT", "scopes")
    assert await _stored(app) == ([], [])


@pytest.mark.parametrize(
    "expires_at",
    [
        _in(-1 / 24),
        _in(367),
        (datetime.now(UTC).replace(tzinfo=None) + timedelta(days=3)).isoformat(),
    ],
    ids=["past", "beyond-a-year", "no-time-zone"],
)
async def test_expiry_in_the_past_or_beyond_a_year_is_invalid_input(
    app: FastAPI, client: httpx.AsyncClient, expires_at: str
) -> None:
    # given
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    # when
    result = await _grant(client, liu, zhou, ["profile:read"], expires_at=expires_at)
    # then
    assert result["__typename"] == "InvalidInput", result
    assert (result["code"], result["field"]) == ("INVALID_INPUT", "expiresAt")
    assert await _stored(app) == ([], [])


async def test_agent_must_have_a_real_name_verified_account(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given: Zhou signed in but has not verified her real name
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING, verified=False)
    stranger = dataclasses.replace(zhou, phone="+8613907339999")
    # when
    unverified = await _grant(client, liu, zhou, ["profile:read"])
    no_account = await _grant(client, liu, stranger, ["profile:read"])
    yourself = await _grant(client, liu, liu, ["profile:read"])
    # then: one answer whether or not the phone has an account
    assert unverified["__typename"] == "AgentNotEligible", unverified
    assert no_account == unverified
    assert (yourself["__typename"], yourself["field"]) == ("InvalidInput", "agentPhone")
    assert await _stored(app) == ([], [])


async def test_concurrent_grants_to_one_agent_leave_exactly_one_live_grant(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _seeded(app)
    liu = await _citizen(client, app, LIU_JIANJUN)
    zhou = await _citizen(client, app, ZHOU_TING)
    # when
    results = await asyncio.gather(
        *(_grant(client, liu, zhou, [scope]) for scope in ["profile:read", "wallet:read"] * 3)
    )
    # then
    assert {r["__typename"] for r in results} == {"AgentGranted"}
    _, grants = await _stored(app)
    assert len(grants) == 6
    assert len([g for g in grants if g["revoked_at"] is None]) == 1
    assert len(await _acting_as(client, zhou)) == 1


async def test_the_database_holds_at_most_one_unrevoked_grant_per_agent_and_enterprise(
    app: FastAPI,
) -> None:
    # given: an unrevoked and a revoked grant of one agent for one enterprise
    grants = _resources(app).database["agent_grants"]
    pair = {"uscc": RAIL.uscc, "agent_account_id": "acc_agent"}
    await grants.insert_one({"_id": "agr_live", **pair, "revoked_at": None})
    await grants.insert_one({"_id": "agr_old", **pair, "revoked_at": datetime.now(UTC)})
    # when / then
    with pytest.raises(DuplicateKeyError):
        await grants.insert_one({"_id": "agr_second", **pair, "revoked_at": None})
