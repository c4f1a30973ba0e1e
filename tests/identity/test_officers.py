"""Officers and administrators through ``/graphql``, on the real servers.

Real names are bound straight into the accounts collection (as verification stores
them); the first administrator is granted as the operator's command does.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.cli import grant_administrator_on
from app.resources import Resources
from demo.data.departments import DEPARTMENTS
from demo.data.people import resident_id_number
from demo.exchange.models import Gender as DemoGender
from demo.seed import seed
from directory.repository import DepartmentRepository
from identity.errors import NotAnOfficer, RoleRequired
from identity.models import AssuranceLevel, Gender, OfficerRole, Principal, RealName
from identity.services.officers import OfficerService
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.identity.verification_factories import accounts_of

SCJG, SW = "430200-SCJG", "430200-SW"

GRANT = """
mutation ($phone: String!, $department: String!, $role: OfficerRole!, $expiresAt: DateTime) {
  grantOfficerRole(phone: $phone, departmentCode: $department, role: $role,
                   expiresAt: $expiresAt) {
    __typename
    ... on OfficerRoleGranted {
      grant { id department { code name { zh en } } role phoneMasked expiresAt revokedAt }
    }
    ... on UserError { code message messageEn field }
    ... on RoleRequired { requiredRole }
  }
}
"""

REVOKE = """
mutation ($grantId: String!, $reason: String!) {
  revokeOfficerRole(grantId: $grantId, reason: $reason) {
    __typename
    ... on OfficerRoleRevoked { grant { id revokedAt revokeReason } }
    ... on UserError { code field }
    ... on RoleRequired { requiredRole }
  }
}
"""

GRANTS = """
query ($department: String, $first: Int!, $after: String) {
  officerGrants(departmentCode: $department, first: $first, after: $after) {
    __typename
    ... on OfficerGrantConnection {
      edges { cursor node { id role phoneMasked department { code } } }
      pageInfo { hasNextPage endCursor }
    }
    ... on UserError { code }
    ... on RoleRequired { requiredRole }
  }
}
"""

MY_ROLES = "query { me { officerRoles { id department { code name { zh } } role expiresAt } } }"

_orders = itertools.count(10)


def _resources(app: FastAPI) -> Resources:
    resources: Resources = app.state.resources
    return resources


def _officers(app: FastAPI) -> OfficerService:
    service: OfficerService = app.state.services.get(OfficerService)
    return service


def _principal(caller: SignedInCaller) -> Principal:
    return Principal(caller.account_id, caller.session_id, AssuranceLevel.REAL_NAME)


async def _directory(app: FastAPI) -> None:
    await DepartmentRepository(_resources(app).database).upsert_many(DEPARTMENTS)


async def _verify(app: FastAPI, caller: SignedInCaller) -> None:
    """Bind a fictional verified identity to the caller's account."""
    id_number = resident_id_number("430202", date(1990, 1, 1), next(_orders), DemoGender.MALE)
    real_name = RealName(
        name="测试员",
        id_number=id_number,
        birth_date=date(1990, 1, 1),
        gender=Gender.MALE,
        verified_at=datetime.now(UTC),
    )
    resources = _resources(app)
    fields = accounts_of(app).document_fields_for_real_name(
        caller.account_id, real_name, resources.keys.lookup.digest(id_number)
    )
    result = await resources.database["accounts"].update_one(
        {"_id": caller.account_id}, {"$set": {"real_name": fields}}
    )
    assert result.modified_count == 1


async def _citizen(client: httpx.AsyncClient, app: FastAPI) -> SignedInCaller:
    caller = await sign_in(client, app)
    await _verify(app, caller)
    return caller


async def _administrator(client: httpx.AsyncClient, app: FastAPI) -> SignedInCaller:
    caller = await _citizen(client, app)
    await _officers(app).grant_as_operator(caller.phone, OfficerRole.ADMINISTRATOR)
    return caller


async def _grant(
    client: httpx.AsyncClient,
    admin: SignedInCaller,
    phone: str,
    department: str = SCJG,
    role: str = "CLERK",
    expires_at: str | None = None,
) -> dict[str, Any]:
    variables = {"phone": phone, "department": department, "role": role, "expiresAt": expires_at}
    body = await as_caller(client, admin, GRANT, variables)
    result: dict[str, Any] = body["data"]["grantOfficerRole"]
    return result


async def _granted(
    client: httpx.AsyncClient, admin: SignedInCaller, officer: SignedInCaller, **kwargs: Any
) -> dict[str, Any]:
    result = await _grant(client, admin, officer.phone, **kwargs)
    assert result["__typename"] == "OfficerRoleGranted", result
    grant: dict[str, Any] = result["grant"]
    return grant


async def _my_roles(client: httpx.AsyncClient, caller: SignedInCaller) -> list[dict[str, Any]]:
    body = await as_caller(client, caller, MY_ROLES)
    roles: list[dict[str, Any]] = body["data"]["me"]["officerRoles"]
    return roles


async def _stored_grants(app: FastAPI) -> list[dict[str, Any]]:
    cursor = _resources(app).database["role_grants"].find().sort("granted_at", 1)
    return [doc async for doc in cursor]


async def test_administrator_grants_lists_and_revokes_an_officer_role(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _directory(app)
    admin = await _administrator(client, app)
    officer = await _citizen(client, app)
    # when
    grant = await _granted(client, admin, officer, expires_at=_in(days=30))
    # then the officer holds it, and the administrator lists it
    assert grant["department"] == {
        "code": SCJG,
        "name": {
            "zh": "株洲市市场监督管理局",
            "en": "Zhuzhou Administration for Market Regulation",
        },
    }
    assert grant["role"] == "CLERK"
    assert grant["phoneMasked"] == f"{officer.phone[3:6]}****{officer.phone[-4:]}"
    assert [
        (r["id"], r["department"]["code"], r["role"]) for r in await _my_roles(client, officer)
    ] == [(grant["id"], SCJG, "CLERK")]
    listed = await as_caller(client, admin, GRANTS, {"department": SCJG, "first": 10})
    edges = listed["data"]["officerGrants"]["edges"]
    assert [e["node"]["id"] for e in edges] == [grant["id"]]
    # when revoked
    revoked = await as_caller(client, admin, REVOKE, {"grantId": grant["id"], "reason": "调岗"})
    # then it is gone at once
    result = revoked["data"]["revokeOfficerRole"]
    assert result["__typename"] == "OfficerRoleRevoked"
    assert result["grant"]["revokeReason"] == "调岗"
    assert await _my_roles(client, officer) == []
    listed = await as_caller(client, admin, GRANTS, {"department": SCJG, "first": 10})
    assert listed["data"]["officerGrants"]["edges"] == []
    # and both are audit-logged: who, whom, what, when, why
    audit = _resources(app).database["role_audit"]
    records = [doc async for doc in audit.find({"account_id": officer.account_id}).sort("at", 1)]
    assert [
        (r["event"], r["actor"], r["grant_id"], r["department_code"], r["role"]) for r in records
    ] == [
        ("role.granted", admin.account_id, grant["id"], SCJG, "clerk"),
        ("role.revoked", admin.account_id, grant["id"], SCJG, "clerk"),
    ]
    assert records[1]["reason"] == "调岗"
    assert all(isinstance(r["at"], datetime) for r in records)


def _in(*, days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def test_grants_are_paged_newest_first(app: FastAPI, client: httpx.AsyncClient) -> None:
    # given two officers of one department
    await _directory(app)
    admin = await _administrator(client, app)
    first = await _granted(client, admin, await _citizen(client, app))
    second = await _granted(client, admin, await _citizen(client, app), role="HEAD")
    # when
    page = (await as_caller(client, admin, GRANTS, {"department": SCJG, "first": 1}))["data"]
    after = page["officerGrants"]["pageInfo"]["endCursor"]
    rest = await as_caller(client, admin, GRANTS, {"department": SCJG, "first": 1, "after": after})
    # then
    assert [e["node"]["id"] for e in page["officerGrants"]["edges"]] == [second["id"]]
    assert page["officerGrants"]["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["id"] for e in rest["data"]["officerGrants"]["edges"]] == [first["id"]]
    assert rest["data"]["officerGrants"]["pageInfo"]["hasNextPage"] is False


async def test_non_administrator_cannot_grant_list_or_revoke(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a verified citizen who is an officer but no administrator
    await _directory(app)
    admin = await _administrator(client, app)
    clerk = await _citizen(client, app)
    grant = await _granted(client, admin, clerk)
    target = await _citizen(client, app)
    before = await _stored_grants(app)
    # when
    granted = await _grant(client, clerk, target.phone)
    revoked = await as_caller(client, clerk, REVOKE, {"grantId": grant["id"], "reason": "x"})
    listed = await as_caller(client, clerk, GRANTS, {"first": 10})
    # then each is the typed refusal, and nothing changed
    assert granted["__typename"] == "RoleRequired"
    assert granted["code"] == "ROLE_REQUIRED"
    assert granted["requiredRole"] == "ADMINISTRATOR"
    assert revoked["data"]["revokeOfficerRole"]["__typename"] == "RoleRequired"
    assert listed["data"]["officerGrants"] == {
        "__typename": "RoleRequired",
        "code": "ROLE_REQUIRED",
        "requiredRole": "ADMINISTRATOR",
    }
    assert await _stored_grants(app) == before


async def test_anonymous_and_unverified_callers_get_their_own_refusals(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _directory(app)
    unverified = await sign_in(client, app)
    variables = {"phone": "13907330001", "department": SCJG, "role": "CLERK", "expiresAt": None}
    # when
    anonymous = (
        await client.post("/graphql", json={"query": GRANT, "variables": variables})
    ).json()
    low = await _grant(client, unverified, "13907330001")
    # then
    assert anonymous["data"]["grantOfficerRole"]["__typename"] == "AuthenticationRequired"
    assert low["__typename"] == "StepUpRequired"
    assert await _stored_grants(app) == []


async def test_grant_to_an_unknown_or_unverified_phone_is_one_refusal(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _directory(app)
    admin = await _administrator(client, app)
    unverified = await sign_in(client, app)
    before = await _stored_grants(app)
    # when
    unknown = await _grant(client, admin, "13907339999")
    not_verified = await _grant(client, admin, unverified.phone)
    # then both read the same, and nothing is stored
    assert unknown["__typename"] == not_verified["__typename"] == "OfficerNotEligible"
    assert unknown == not_verified
    assert unknown["field"] == "phone"
    assert await _stored_grants(app) == before


async def test_unknown_department_and_bad_role_or_expiry_are_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await _directory(app)
    admin = await _administrator(client, app)
    officer = await _citizen(client, app)
    before = await _stored_grants(app)
    # when
    unknown = await _grant(client, admin, officer.phone, department="430200-NOPE")
    administrator = await _grant(client, admin, officer.phone, role="ADMINISTRATOR")
    past = await _grant(client, admin, officer.phone, expires_at=_in(days=-1))
    too_far = await _grant(client, admin, officer.phone, expires_at=_in(days=400))
    # then
    assert (unknown["__typename"], unknown["code"]) == ("UnknownDepartment", "UNKNOWN_DEPARTMENT")
    assert (administrator["__typename"], administrator["field"]) == ("InvalidInput", "role")
    assert (past["__typename"], past["field"]) == ("InvalidInput", "expiresAt")
    assert (too_far["__typename"], too_far["field"]) == ("InvalidInput", "expiresAt")
    assert await _stored_grants(app) == before


async def test_expired_grant_stops_require_role_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a live grant
    await _directory(app)
    admin = await _administrator(client, app)
    officer = await _citizen(client, app)
    grant = await _granted(client, admin, officer, expires_at=_in(days=1))
    service = _officers(app)
    held = await service.require_role(_principal(officer), SCJG, {OfficerRole.CLERK})
    assert held.id == grant["id"]
    # when its expiry passes
    moved = (
        await _resources(app)
        .database["role_grants"]
        .update_one(
            {"_id": grant["id"]}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
        )
    )
    assert moved.modified_count == 1
    # then
    with pytest.raises(NotAnOfficer):
        await service.require_role(_principal(officer), SCJG, {OfficerRole.CLERK})
    assert await _my_roles(client, officer) == []


async def test_revoked_grant_stops_require_role_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a live grant
    await _directory(app)
    admin = await _administrator(client, app)
    officer = await _citizen(client, app)
    grant = await _granted(client, admin, officer)
    service = _officers(app)
    await service.require_role(_principal(officer), SCJG, {OfficerRole.CLERK})
    # when
    await as_caller(client, admin, REVOKE, {"grantId": grant["id"], "reason": "离职"})
    # then
    with pytest.raises(NotAnOfficer):
        await service.require_role(_principal(officer), SCJG, {OfficerRole.CLERK})


async def test_officer_of_one_department_fails_for_another_and_for_another_role(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a clerk of market regulation
    await _directory(app)
    admin = await _administrator(client, app)
    officer = await _citizen(client, app)
    await _granted(client, admin, officer, department=SCJG, role="CLERK")
    service = _officers(app)
    # when / then
    held = await service.require_role(
        _principal(officer), SCJG, {OfficerRole.CLERK, OfficerRole.HEAD}
    )
    assert (held.department_code, held.role) == (SCJG, OfficerRole.CLERK)
    with pytest.raises(NotAnOfficer):
        await service.require_role(_principal(officer), SW, {OfficerRole.CLERK})
    with pytest.raises(RoleRequired):
        await service.require_role(_principal(officer), SCJG, {OfficerRole.HEAD})
    with pytest.raises(RoleRequired):
        await service.require_administrator(_principal(officer))


async def test_revoked_administrator_cannot_grant_any_more(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given two administrators
    await _directory(app)
    first = await _administrator(client, app)
    second = await _administrator(client, app)
    officer = await _citizen(client, app)
    [first_grant] = await _officers(app).roles_of(_principal(first))
    # when the second revokes the first
    body = await as_caller(client, second, REVOKE, {"grantId": first_grant.id, "reason": "换届"})
    assert body["data"]["revokeOfficerRole"]["__typename"] == "OfficerRoleRevoked"
    # then the first is refused at once, with the same token
    refused = await _grant(client, first, officer.phone)
    assert refused["__typename"] == "RoleRequired"


async def test_cli_grants_an_administrator_only_to_a_verified_account(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a signed-in account that has not verified its real name
    caller = await sign_in(client, app)
    resources = _resources(app)
    # when
    status, line = await grant_administrator_on(resources, caller.phone)
    # then it is refused, and nothing is stored
    assert status == 1
    assert "real-name" in line
    assert await _stored_grants(app) == []
    # when verified, it is granted once, audit-logged as the operator's
    await _verify(app, caller)
    assert (await grant_administrator_on(resources, caller.phone))[0] == 0
    assert (await grant_administrator_on(resources, caller.phone))[0] == 0
    stored = await _stored_grants(app)
    assert [(g["role"], g["department_code"], g["granted_by"]) for g in stored] == [
        ("administrator", None, "operator-cli")
    ]
    audit = [doc async for doc in resources.database["role_audit"].find()]
    assert [(r["event"], r["actor"], r["account_id"]) for r in audit] == [
        ("role.granted", "operator-cli", caller.account_id)
    ]
    assert caller.phone[3:] not in line
    assert [r["role"] for r in await _my_roles(client, caller)] == ["ADMINISTRATOR"]


async def test_demo_seed_makes_the_demo_administrator_and_officers(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given
    await seed(_resources(app))
    await seed(_resources(app))  # twice: nothing changes
    # when
    admin = await sign_in(client, app, "+8613907330011")
    clerk = await sign_in(client, app, "+8613907330009")
    # then
    assert [(r["role"], r["department"]) for r in await _my_roles(client, admin)] == [
        ("ADMINISTRATOR", None)
    ]
    assert [(r["role"], r["department"]["code"]) for r in await _my_roles(client, clerk)] == [
        ("CLERK", "430200-GA"),
        ("CLERK", SCJG),
    ]
    assert len(await _stored_grants(app)) == 6
