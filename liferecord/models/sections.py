"""The life record's sections, provenance, and who reads them.

Section payloads are pydantic models (frozen, strict about their shape) so that what
a department source returns is validated at the border — malformed data becomes
"source unavailable" for that section, never a crash — and round-trips through the
Redis cache as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Section(StrEnum):
    """The parts of the life record, one department source each."""

    HOUSEHOLD = "household"
    """户籍 — population register (public security)."""
    LICENCES = "licences"
    """电子证照 — the licence wallet's licences (issuer and dates; the sealed original is there)."""
    SOCIAL_INSURANCE = "social_insurance"
    """社保 — pension, unemployment and work-injury insurance (HR & social security)."""
    MEDICAL_INSURANCE = "medical_insurance"
    """医保 — medical insurance (healthcare security administration)."""
    PROVIDENT_FUND = "provident_fund"
    """公积金 — housing provident fund (management centre)."""
    PROPERTIES = "properties"
    """不动产 — real-estate registration (natural resources bureau)."""
    UTILITIES = "utilities"
    """水电气 — water, power and gas accounts and bills (the utility companies)."""
    INCOME = "income"
    """工资收入 — wage income as declared to the tax bureau."""


class Record(BaseModel):
    """Base of every section payload: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Provenance(Record):
    """Where a value comes from and how far to trust it."""

    source: str = Field(description="Department code of the source (see the directory).")
    as_of: datetime = Field(description="When the source last updated it (UTC).")
    verified: bool = Field(
        description="True when the department attests it; False when "
        "the citizen or an employer declared it."
    )


# --- section payloads ---------------------------------------------------------------


class Household(Record):
    """户籍信息 from the population register."""

    name: str
    gender: str = Field(pattern=r"^(male|female)$")
    birth_date: date
    household_address_zh: str
    household_address_en: str
    provenance: Provenance


class Licence(Record):
    """One electronic licence, summarised (the wallet holds the sealed original)."""

    kind_zh: str
    kind_en: str
    number_masked: str
    issuer: str
    issued_on: date
    valid_until: date | None
    provenance: Provenance


class Licences(Record):
    """电子证照."""

    items: list[Licence]


class ContributionMonth(Record):
    """One month of contributions to one insurance."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    base: Decimal
    personal: Decimal
    employer: Decimal
    paid_by: str


class InsuranceScheme(Record):
    """One insurance scheme (pension, unemployment or work injury)."""

    scheme: str = Field(pattern=r"^(pension|unemployment|work_injury)$")
    status: str = Field(pattern=r"^(insured|suspended|terminated)$")
    months_paid: int = Field(ge=0)
    history: list[ContributionMonth]
    provenance: Provenance


class SocialInsurance(Record):
    """社保: the schemes the citizen is or was insured in."""

    schemes: list[InsuranceScheme]


class Reimbursement(Record):
    """One medical-insurance settlement."""

    settled_on: date
    hospital: str
    total: Decimal
    fund_paid: Decimal
    self_paid: Decimal


class MedicalInsurance(Record):
    """医保: status, personal account, reimbursements."""

    status: str = Field(pattern=r"^(insured|suspended|terminated)$")
    account_balance: Decimal
    reimbursements: list[Reimbursement]
    provenance: Provenance


class ProvidentFundLoan(Record):
    """A housing provident fund loan."""

    principal: Decimal
    outstanding: Decimal
    monthly_repayment: Decimal
    ends_on: date


class ProvidentFund(Record):
    """公积金: account, balance, deposits, loans."""

    account_number_masked: str
    status: str = Field(pattern=r"^(active|sealed|closed)$")
    employer: str
    balance: Decimal
    monthly_deposit: Decimal
    last_deposit_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    loans: list[ProvidentFundLoan]
    provenance: Provenance


class Property(Record):
    """One registered property (不动产权)."""

    certificate_number: str
    address_zh: str
    area_m2: Decimal
    usage: str
    registered_on: date
    share: str
    mortgaged: bool
    seized: bool
    provenance: Provenance


class Properties(Record):
    """不动产: the citizen's registered properties."""

    items: list[Property]


class Bill(Record):
    """One monthly utility bill."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    usage: Decimal
    unit: str
    amount: Decimal
    paid: bool


class UtilityAccount(Record):
    """One water, power or gas account."""

    kind: str = Field(pattern=r"^(water|power|gas)$")
    account_number: str
    address_zh: str
    arrears: Decimal
    bills: list[Bill]
    provenance: Provenance


class Utilities(Record):
    """水电气: the citizen's utility accounts."""

    accounts: list[UtilityAccount]


class IncomeMonth(Record):
    """Wage income of one month from one employer, as declared for tax."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    employer: str
    gross: Decimal
    tax_withheld: Decimal
    provenance: Provenance


class Income(Record):
    """工资收入: monthly income declared by employers (self-declared, not verified)."""

    months: list[IncomeMonth]


SectionPayload = (
    Household
    | Licences
    | SocialInsurance
    | MedicalInsurance
    | ProvidentFund
    | Properties
    | Utilities
    | Income
)

PAYLOAD_TYPES: dict[Section, type[Record]] = {
    Section.HOUSEHOLD: Household,
    Section.LICENCES: Licences,
    Section.SOCIAL_INSURANCE: SocialInsurance,
    Section.MEDICAL_INSURANCE: MedicalInsurance,
    Section.PROVIDENT_FUND: ProvidentFund,
    Section.PROPERTIES: Properties,
    Section.UTILITIES: Utilities,
    Section.INCOME: Income,
}


class Citizen(Record):
    """Whose record: the account and the verified resident ID number sources key on."""

    account_id: str
    id_number: str


class Reader(Record):
    """Who reads a record, and why (every read of another person's data is logged)."""

    kind: str = Field(pattern=r"^(citizen|officer|enterprise_agent|service)$")
    id: str
    display_name: str
    purpose: str


@dataclass(frozen=True, slots=True)
class CachedSection:
    """A section value as last fetched from its department (``None``: it holds nothing)."""

    payload: Record | None
    fetched_at: datetime
