"""Test helpers for real-name and real-person verification."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from app.demo.people import RESIDENTS
from app.resources import Resources
from exchange.models import ResidentRecord
from identity.liveness import sign_development_result
from tests.identity.factories import SignedInCaller, as_caller

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
    ... on LivenessCheckStarted { ticket expiresAt provider }
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
    """The app's open clients and repositories."""
    resources: Resources = app.state.resources
    return resources


async def seed_register(app: FastAPI) -> None:
    """Put the demo population register into the test's database."""
    await resources_of(app).registers.upsert_residents(RESIDENTS)


async def account_document(app: FastAPI, account_id: str) -> dict[str, Any]:
    """The raw stored account (as an operator with database access would see it)."""
    doc = await resources_of(app).database["accounts"].find_one({"_id": account_id})
    assert doc is not None
    return doc


async def verify_real_name(
    client: httpx.AsyncClient, caller: SignedInCaller, name: str, id_number: str
) -> dict[str, Any]:
    """Call ``verifyRealName`` as ``caller``; the payload."""
    body = await as_caller(client, caller, VERIFY_REAL_NAME, {"name": name, "idNumber": id_number})
    payload: dict[str, Any] = body["data"]["verifyRealName"]
    return payload


async def verify_as(
    client: httpx.AsyncClient, caller: SignedInCaller, person: ResidentRecord
) -> dict[str, Any]:
    """Verify ``caller`` as ``person`` of the register, asserting it passes."""
    payload = await verify_real_name(client, caller, person.name, person.id_number)
    assert payload["__typename"] == "RealNameVerified", payload
    return payload


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
