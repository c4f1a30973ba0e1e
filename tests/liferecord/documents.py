"""GraphQL documents of the life record, and verified callers to send them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from app.demo.departments import DEPARTMENTS
from exchange.models import ResidentRecord
from identity.models import Gender as IdentityGender
from identity.models import RealName
from identity.repositories.accounts import RealNameBinding
from liferecord.models import Section
from tests.identity.factories import SignedInCaller, as_caller, sign_in
from tests.identity.verification_factories import (
    accounts_of,
    resources_of,
    seed_register,
    sign_in_verified,
)

SECTION_FIELDS = {  # GraphQL field of each section
    "household": Section.HOUSEHOLD,
    "licences": Section.LICENCES,
    "socialInsurance": Section.SOCIAL_INSURANCE,
    "medicalInsurance": Section.MEDICAL_INSURANCE,
    "providentFund": Section.PROVIDENT_FUND,
    "properties": Section.PROPERTIES,
    "utilities": Section.UTILITIES,
    "income": Section.INCOME,
}

PROVENANCE = "provenance { source department { code name { zh en } } asOf verified selfDeclared }"
FETCHED = "fetchedAt stale unavailable { code source retryAfter message messageEn }"
UNAVAILABLE = "... on SourceUnavailable { code source retryAfter message messageEn field }"

SECTIONS = {
    "household": f"""household {{ __typename
      ... on HouseholdSection {{ {FETCHED} record {{ name gender birthDate
        householdAddress {{ zh en }} {PROVENANCE} }} }}
      {UNAVAILABLE} }}""",
    "licences": f"""licences {{ __typename
      ... on LicencesSection {{ {FETCHED} items {{ kind {{ zh en }} numberMasked issuer
        issuedOn validUntil {PROVENANCE} }} }}
      {UNAVAILABLE} }}""",
    "socialInsurance": f"""socialInsurance {{ __typename
      ... on SocialInsuranceSection {{ {FETCHED} schemes {{ scheme status monthsPaid
        history {{ month base personal employer paidBy }} {PROVENANCE} }} }}
      {UNAVAILABLE} }}""",
    "medicalInsurance": f"""medicalInsurance {{ __typename
      ... on MedicalInsuranceSection {{ {FETCHED} record {{ status accountBalance
        reimbursements {{ settledOn hospital total fundPaid selfPaid }} {PROVENANCE} }} }}
      {UNAVAILABLE} }}""",
    "providentFund": f"""providentFund {{ __typename
      ... on ProvidentFundSection {{ {FETCHED} record {{ accountNumberMasked status employer
        balance monthlyDeposit lastDepositMonth
        loans {{ principal outstanding monthlyRepayment endsOn }} {PROVENANCE} }} }}
      {UNAVAILABLE} }}""",
    "properties": f"""properties {{ __typename
      ... on PropertiesSection {{ {FETCHED} items {{ certificateNumber address areaM2 usage
        registeredOn share mortgaged seized {PROVENANCE} }} }}
      {UNAVAILABLE} }}""",
    "utilities": f"""utilities {{ __typename
      ... on UtilitiesSection {{ {FETCHED} accounts {{ kind accountNumber address arrears
        bills {{ month usage unit amount paid }} {PROVENANCE} }} }}
      {UNAVAILABLE} }}""",
    "income": f"""income {{ __typename
      ... on IncomeSection {{ {FETCHED} months {{ month employer gross taxWithheld
        {PROVENANCE} }} }}
      {UNAVAILABLE} }}""",
}

GUARD = """
      ... on StepUpRequired { code requiredLevel currentLevel }
      ... on AuthenticationRequired { code reason }"""


def life_record_query(*sections: str) -> str:
    """``me { lifeRecord { … } }`` with the given sections (default: all, every field)."""
    body = "\n".join(SECTIONS[name] for name in sections or SECTIONS)
    return f"""query {{ me {{ lifeRecord {{ __typename
      ... on LifeRecord {{ {body} }} {GUARD} }} }} }}"""


FULL_LIFE_RECORD = life_record_query()

REFRESH = f"""
mutation ($sections: [LifeRecordSection!]) {{
  refreshLifeRecord(sections: $sections) {{
    __typename
    ... on LifeRecordRefreshed {{ sections lifeRecord {{ {SECTIONS["household"]}
      {SECTIONS["income"]} }} }}
    ... on RateLimited {{ code retryAfterSeconds message messageEn }}
    ... on InvalidInput {{ code field }}
    {GUARD}
  }}
}}
"""


async def seed_directory(app: FastAPI) -> None:
    """The demo departments, so provenance can name them."""
    await resources_of(app).departments.upsert_many(DEPARTMENTS)


async def verified_caller(
    client: httpx.AsyncClient, app: FastAPI, person: ResidentRecord
) -> SignedInCaller:
    """A caller signed in and real-name verified as ``person`` of the demo register."""
    await seed_register(app)
    return await sign_in_verified(client, app, person)


async def stored_binding_caller(
    client: httpx.AsyncClient, app: FastAPI, person: ResidentRecord
) -> SignedInCaller:
    """A caller whose account holds ``person``'s identity, written as a binding stores it.

    For people who cannot bind themselves (children under 14 need a guardian, which is
    not built yet): the binding rules are tested in tests/identity, this only needs the
    life record of such a person.
    """
    await seed_register(app)
    caller = await sign_in(client, app)
    resources = resources_of(app)
    real_name = RealName(
        name=person.name,
        id_number=person.id_number,
        birth_date=person.birth_date,
        gender=IdentityGender(person.gender.value),
        verified_at=datetime.now(UTC),
    )
    outcome = await accounts_of(app).bind_real_name(
        caller.account_id, real_name, resources.keys.lookup.digest(person.id_number)
    )
    assert outcome is RealNameBinding.BOUND
    return caller


async def life_record(
    client: httpx.AsyncClient, caller: SignedInCaller, query: str = FULL_LIFE_RECORD
) -> dict[str, Any]:
    """``me.lifeRecord`` as ``caller``, asserting the response has no errors."""
    body = await as_caller(client, caller, query)
    assert "errors" not in body, body
    record: dict[str, Any] = body["data"]["me"]["lifeRecord"]
    return record
