"""Test helpers for real-name and real-person verification."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from app.resources import Resources
from demo.data.people import RESIDENTS
from demo.exchange.models import ResidentRecord
from demo.providers import DemoExchange
from identity.adapters.liveness import sign_development_result
from identity.phone import normalize_mobile
from identity.repositories.accounts import AccountRepository
from identity.repositories.audit import IdentityAudit
from identity.repositories.sessions import SessionRepository
from identity.repositories.sign_in_marks import SignInMarks
from tests.identity.factories import SignedInCaller, as_caller, lift_code_cooldown, sign_in

VERIFY_REAL_NAME = """
mutation ($name: String!, $idNumber: String!) {
  verifyRealName(name: $name, idNumber: $idNumber) {
    __typename
    ... on RealNameVerified { assuranceLevel verifiedAt }
    ... on UserError { code message messageEn field }
    ... on RateLimited { retryAfterSeconds }
    ... on StepUpRequired { requiredLevel currentLevel }
    ... on AuthenticationRequired { reason }
  }
}
"""

START_LIVENESS = """
mutation {
  startLivenessCheck {
    __typename
    ... on LivenessCheckStarted { ticket url expiresAt provider }
    ... on UserError { code message messageEn field }
    ... on StepUpRequired { requiredLevel currentLevel }
    ... on AuthenticationRequired { reason }
  }
}
"""

COMPLETE_LIVENESS = """
mutation ($ticket: String!, $result: String!) {
  completeLivenessCheck(ticket: $ticket, result: $result) {
    __typename
    ... on LivenessCheckPassed { assuranceLevel verifiedAt validUntil }
    ... on UserError { code message messageEn field }
    ... on StepUpRequired { requiredLevel currentLevel }
    ... on AuthenticationRequired { reason }
  }
}
"""

START_FACE_VERIFICATION = """
mutation ($name: String!, $idNumber: String!) {
  startFaceVerification(name: $name, idNumber: $idNumber) {
    __typename
    ... on LivenessCheckStarted { ticket url expiresAt provider }
    ... on UserError { code message messageEn field }
    ... on RateLimited { retryAfterSeconds }
    ... on StepUpRequired { requiredLevel currentLevel }
    ... on AuthenticationRequired { reason }
  }
}
"""

COMPLETE_FACE_VERIFICATION = """
mutation ($ticket: String!, $result: String!) {
  completeFaceVerification(ticket: $ticket, result: $result) {
    __typename
    ... on RealNameVerified { assuranceLevel verifiedAt realPersonUntil }
    ... on UserError { code message messageEn field }
    ... on StepUpRequired { requiredLevel currentLevel }
    ... on AuthenticationRequired { reason }
  }
}
"""

ME_IDENTITY = """
query {
  me {
    assuranceLevel
    realName {
      nameMasked gender birthDate verifiedAt idNumberMasked
      idNumber {
        __typename
        ... on RevealedIdNumber { value }
        ... on StepUpRequired { code requiredLevel currentLevel }
      }
    }
  }
}
"""


def resources_of(app: FastAPI) -> Resources:
    """The app's open clients."""
    resources: Resources = app.state.resources
    return resources


def marks_of(app: FastAPI) -> SignInMarks:
    """Sign-in marks on the app's Redis and key prefix (what another instance would use)."""
    resources = resources_of(app)
    return SignInMarks(resources.redis, prefix=resources.settings.redis_key_prefix)


def accounts_of(app: FastAPI) -> AccountRepository:
    """The accounts repository on the app's database and keys (as operators would read)."""
    resources = resources_of(app)
    return AccountRepository(
        resources.database,
        resources.keys.field_cipher,
        resources.keys.lookup,
        marks=marks_of(app),
    )


async def ensure_indexes_as_at_start(app: FastAPI) -> None:
    """What a start of the service does to the database: create (and migrate) the indexes
    of every repository the domains wired."""
    await resources_of(app).ensure_indexes()


def sessions_of(app: FastAPI) -> SessionRepository:
    """The sessions repository on the app's database."""
    return SessionRepository(resources_of(app).database, marks=marks_of(app))


def audit_of(app: FastAPI) -> IdentityAudit:
    """The identity audit on the app's database."""
    return IdentityAudit(resources_of(app).database)


async def seed_register(app: FastAPI) -> None:
    """Put the demo population register into the test's database."""
    await DemoExchange.over(resources_of(app).database).registers.upsert_residents(RESIDENTS)


async def account_document(app: FastAPI, account_id: str) -> dict[str, Any]:
    """The raw stored account (as an operator with database access would see it)."""
    doc = await resources_of(app).database["accounts"].find_one({"_id": account_id})
    assert doc is not None
    return doc


async def session_document(app: FastAPI, session_id: str) -> dict[str, Any]:
    """The raw stored session."""
    doc = await resources_of(app).database["sessions"].find_one({"_id": session_id})
    assert doc is not None
    return doc


async def verify_real_name(
    client: httpx.AsyncClient, caller: SignedInCaller, name: str, id_number: str
) -> dict[str, Any]:
    """Call ``verifyRealName`` as ``caller``; the payload."""
    body = await as_caller(client, caller, VERIFY_REAL_NAME, {"name": name, "idNumber": id_number})
    payload: dict[str, Any] = body["data"]["verifyRealName"]
    return payload


def phone_of(person: ResidentRecord) -> str:
    """The E.164 form of ``person``'s phone, which the development carrier check knows."""
    assert person.phone is not None, f"{person.name} has no phone in the register"
    return normalize_mobile(person.phone)


async def sign_in_as(
    client: httpx.AsyncClient, app: FastAPI, person: ResidentRecord, device: str = "Test phone"
) -> SignedInCaller:
    """Sign in with ``person``'s own phone (the carrier's record of it names them)."""
    return await sign_in(client, app, phone_of(person), device=device)


async def another_session(
    client: httpx.AsyncClient, app: FastAPI, phone: str, device: str
) -> SignedInCaller:
    """A second sign-in with ``phone`` on another device, as if a minute had passed."""
    await lift_code_cooldown(app)
    return await sign_in(client, app, phone, device=device)


async def verify_as(
    client: httpx.AsyncClient, caller: SignedInCaller, person: ResidentRecord
) -> dict[str, Any]:
    """Verify ``caller`` (signed in with ``person``'s phone) by the carrier check."""
    payload = await verify_real_name(client, caller, person.name, person.id_number)
    assert payload["__typename"] == "RealNameVerified", payload
    return payload


async def sign_in_verified(
    client: httpx.AsyncClient, app: FastAPI, person: ResidentRecord, device: str = "Test phone"
) -> SignedInCaller:
    """A caller signed in with ``person``'s phone and real-name verified (level 2)."""
    caller = await sign_in_as(client, app, person, device=device)
    await verify_as(client, caller, person)
    return caller


async def start_face_verification(
    client: httpx.AsyncClient, caller: SignedInCaller, name: str, id_number: str
) -> dict[str, Any]:
    """Call ``startFaceVerification`` as ``caller``; the payload."""
    body = await as_caller(
        client, caller, START_FACE_VERIFICATION, {"name": name, "idNumber": id_number}
    )
    payload: dict[str, Any] = body["data"]["startFaceVerification"]
    return payload


async def complete_face_verification(
    client: httpx.AsyncClient, caller: SignedInCaller, ticket: str, result: str
) -> dict[str, Any]:
    """Call ``completeFaceVerification`` as ``caller``; the payload."""
    body = await as_caller(
        client, caller, COMPLETE_FACE_VERIFICATION, {"ticket": ticket, "result": result}
    )
    payload: dict[str, Any] = body["data"]["completeFaceVerification"]
    return payload


async def verify_by_face(
    client: httpx.AsyncClient, app: FastAPI, caller: SignedInCaller, person: ResidentRecord
) -> dict[str, Any]:
    """Bind ``person`` to ``caller`` through a (development) face check; the payload."""
    started = await start_face_verification(client, caller, person.name, person.id_number)
    assert started["__typename"] == "LivenessCheckStarted", started
    return await complete_face_verification(
        client, caller, started["ticket"], development_result(app, started["ticket"])
    )


async def me_identity(client: httpx.AsyncClient, caller: SignedInCaller) -> dict[str, Any]:
    """``me`` with its level and verified identity."""
    body = await as_caller(client, caller, ME_IDENTITY)
    assert "errors" not in body, body
    me: dict[str, Any] = body["data"]["me"]
    return me


async def start_liveness(client: httpx.AsyncClient, caller: SignedInCaller) -> dict[str, Any]:
    """Call ``startLivenessCheck`` as ``caller``; the payload."""
    payload: dict[str, Any] = (await as_caller(client, caller, START_LIVENESS))["data"][
        "startLivenessCheck"
    ]
    return payload


async def complete_liveness(
    client: httpx.AsyncClient, caller: SignedInCaller, ticket: str, result: str
) -> dict[str, Any]:
    """Call ``completeLivenessCheck`` as ``caller``; the payload."""
    body = await as_caller(client, caller, COMPLETE_LIVENESS, {"ticket": ticket, "result": result})
    payload: dict[str, Any] = body["data"]["completeLivenessCheck"]
    return payload


def development_result(app: FastAPI, ticket: str, *, passed: bool = True) -> str:
    """What the development liveness provider would hand the client for ``ticket``."""
    return sign_development_result(
        resources_of(app).keys.development_liveness, ticket, passed=passed
    )
