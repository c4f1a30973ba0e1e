"""GraphQL types of the enterprise's own record (registration, licences, tax, staff, utilities)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from schema.common import LocalizedText
from schema.enterprise import ActingForbidden, EntityStatus, EntityType
from schema.liferecord import Provenance, SourceUnavailable, UtilityKind
from schema.payloads import AuthenticationRequired


@strawberry.type(description="登记信息: the enterprise as the register of legal entities has it.")
class EnterpriseRegistration:
    """Registration of the enterprise."""

    uscc: str = strawberry.field(description="Unified social credit code.")
    name: LocalizedText = strawberry.field(description="Registered name.")
    entity_type: EntityType = strawberry.field(description="Legal form.")
    status: EntityStatus = strawberry.field(description="Registration status.")
    established_on: date = strawberry.field(description="Date of establishment.")
    address: LocalizedText = strawberry.field(description="Registered address.")
    registered_capital: Decimal | None = strawberry.field(
        description="Registered capital, yuan; null where the legal form has none."
    )
    provenance: Provenance = strawberry.field(description="Source of the registration.")


@strawberry.type(description="A licence of the enterprise, summarised.")
class EnterpriseLicence:
    """One licence."""

    kind: LocalizedText = strawberry.field(description="What licence it is (e.g. 营业执照).")
    number: str = strawberry.field(description="Licence number (a business licence's is the USCC).")
    issuer: str = strawberry.field(description="Issuing authority as printed on the licence.")
    issued_on: date = strawberry.field(description="Date of issue.")
    valid_until: date | None = strawberry.field(
        description="Last day of validity; null when it does not expire (长期)."
    )
    scope: str | None = strawberry.field(description="Licensed scope (Chinese), where stated.")
    provenance: Provenance = strawberry.field(description="Source of this licence.")


@strawberry.type(description="证照: the enterprise's licences.")
class EnterpriseLicences:
    """The licences part."""

    items: list[EnterpriseLicence] = strawberry.field(description="Licences on record.")


@strawberry.enum(description="A tax credit rating grade (纳税信用等级).")
class TaxCreditGrade(Enum):
    """Grades from best to worst."""

    A = strawberry.enum_value("A", description="A: score 90 or more.")
    B = strawberry.enum_value("B", description="B: score 70 to 90.")
    M = strawberry.enum_value("M", description="M: new enterprise or no income in the year.")
    C = strawberry.enum_value("C", description="C: score 40 to 70.")
    D = strawberry.enum_value("D", description="D: below 40, or a serious breach.")


@strawberry.type(description="The tax credit rating of one year.")
class TaxCreditYear:
    """One year's grade."""

    year: int = strawberry.field(description="The year rated.")
    grade: TaxCreditGrade = strawberry.field(description="The grade.")


@strawberry.type(description="纳税信用: the tax bureau's credit ratings of the enterprise.")
class EnterpriseTaxCredit:
    """The tax credit part."""

    latest: TaxCreditYear | None = strawberry.field(description="The latest year's rating.")
    ratings: list[TaxCreditYear] = strawberry.field(description="Every rating, newest first.")
    provenance: Provenance = strawberry.field(description="Source of the ratings.")


@strawberry.type(description="One month of social insurance contributions for all employees.")
class EmployeeContributionMonth:
    """Totals of one month (no employee is named)."""

    month: str = strawberry.field(description="The month, `YYYY-MM`.")
    headcount: int = strawberry.field(description="Employees insured that month.")
    employer_total: Decimal = strawberry.field(description="Paid by the enterprise, yuan.")
    personal_total: Decimal = strawberry.field(description="Withheld from employees' wages, yuan.")
    total: Decimal = strawberry.field(description="Both together, yuan.")


@strawberry.type(
    description="单位参保: social insurance contributions for the enterprise's employees, as "
    "monthly totals only."
)
class EmployeeSocialInsurance:
    """The social insurance part."""

    months: list[EmployeeContributionMonth] = strawberry.field(
        description="The last months, newest first."
    )
    provenance: Provenance = strawberry.field(description="Source of the totals.")


@strawberry.type(description="A water, power or gas account of the enterprise.")
class EnterpriseUtilityAccount:
    """One utility account."""

    kind: UtilityKind = strawberry.field(description="What it supplies.")
    account_number: str = strawberry.field(description="Account number at the utility.")
    address: str = strawberry.field(description="Supply address (Chinese).")
    arrears: Decimal = strawberry.field(description="Unpaid amount, yuan.")
    last_bill_month: str | None = strawberry.field(description="Last month billed, `YYYY-MM`.")
    last_bill_amount: Decimal | None = strawberry.field(description="Last bill, yuan.")
    provenance: Provenance = strawberry.field(description="Source of this account's data.")


@strawberry.type(description="水电气: the enterprise's utility accounts.")
class EnterpriseUtilities:
    """The utilities part."""

    accounts: list[EnterpriseUtilityAccount] = strawberry.field(description="Accounts on record.")


EnterpriseRegistrationResult = Annotated[
    EnterpriseRegistration | SourceUnavailable,
    strawberry.union(
        "EnterpriseRegistrationResult", description="The registration, or why it is missing."
    ),
]
EnterpriseLicencesResult = Annotated[
    EnterpriseLicences | SourceUnavailable,
    strawberry.union("EnterpriseLicencesResult", description="The licences, or why not."),
]
EnterpriseTaxCreditResult = Annotated[
    EnterpriseTaxCredit | SourceUnavailable,
    strawberry.union("EnterpriseTaxCreditResult", description="The tax credit, or why not."),
]
EmployeeSocialInsuranceResult = Annotated[
    EmployeeSocialInsurance | SourceUnavailable,
    strawberry.union(
        "EmployeeSocialInsuranceResult", description="The contribution totals, or why not."
    ),
]
EnterpriseUtilitiesResult = Annotated[
    EnterpriseUtilities | SourceUnavailable,
    strawberry.union("EnterpriseUtilitiesResult", description="The utilities, or why not."),
]


@strawberry.type(
    description="What the city's departments hold about the enterprise a request acts for, "
    "part by part, each value with provenance. One department being down fails its own "
    "part only (`SourceUnavailable`)."
)
class EnterpriseRecord:
    """The enterprise's own record."""

    uscc: str = strawberry.field(description="Unified social credit code.")
    registration: EnterpriseRegistrationResult | None = strawberry.field(
        description="Registration; null when the register no longer has the enterprise."
    )
    licences: EnterpriseLicencesResult = strawberry.field(description="Licences.")
    tax_credit: EnterpriseTaxCreditResult | None = strawberry.field(
        description="Tax credit ratings; null when the enterprise is not rated "
        "(e.g. individual businesses)."
    )
    social_insurance: EmployeeSocialInsuranceResult | None = strawberry.field(
        description="Contribution totals for employees; null when it has no insured employees."
    )
    utilities: EnterpriseUtilitiesResult = strawberry.field(description="Utility accounts.")


EnterpriseRecordPayload = Annotated[
    EnterpriseRecord | ActingForbidden | AuthenticationRequired,
    strawberry.union(
        "EnterpriseRecordPayload",
        description="The enterprise's record, or why it is refused (send `X-Acting-For` with "
        "a grant holding `profile:read`).",
    ),
]
