"""An enterprise's own record: what the departments hold about it, part by part.

Also the department data the enterprise record is read from, as its adapters
(:mod:`liferecord.adapters.enterprise`) hand it over: the register's entry, a data set
in JSON form, and social insurance totals (no employee named).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import Field

from kit.text import Localized
from liferecord.models.sections import Provenance, Record

T = TypeVar("T", bound=Record)

# --- what the departments hand over --------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegisteredEnterprise:
    """An enterprise's entry in the register of legal entities (法人库).

    ``entity_type`` and ``status`` are the register's codes (``limited_liability_company``,
    ``active`` …); ``registered_capital`` is in yuan, ``None`` where the form has none.
    """

    uscc: str
    name: Localized
    entity_type: str
    status: str
    established_on: date
    address: Localized
    registered_capital: Decimal | None


@dataclass(frozen=True, slots=True)
class EnterpriseDataSet:
    """One department's data set about one enterprise, as published (JSON form)."""

    uscc: str
    payload: Any
    as_of: datetime | None


@dataclass(frozen=True, slots=True)
class MonthTotals:
    """One month of an enterprise's social insurance contributions, in total."""

    month: str
    headcount: int
    employer_total: Decimal
    personal_total: Decimal


@dataclass(frozen=True, slots=True)
class ContributionTotals:
    """An enterprise's monthly totals, oldest month first, and when they were published."""

    uscc: str
    as_of: datetime | None
    months: tuple[MonthTotals, ...]


# --- the record -----------------------------------------------------------------------


class Registration(Record):
    """登记信息 from the register of legal entities."""

    uscc: str
    name_zh: str
    name_en: str
    entity_type: str
    status: str
    established_on: date
    address_zh: str
    address_en: str
    registered_capital: Decimal | None
    provenance: Provenance


class EnterpriseLicence(Record):
    """One licence of the enterprise, summarised."""

    kind_zh: str
    kind_en: str
    number: str
    issuer: str
    issued_on: date
    valid_until: date | None
    scope_zh: str | None = None
    provenance: Provenance


class EnterpriseLicences(Record):
    """证照: the enterprise's licences."""

    items: list[EnterpriseLicence]


class YearRating(Record):
    """The tax credit rating of one year (纳税信用等级)."""

    year: int = Field(ge=2000, le=2100)
    rating: str = Field(pattern=r"^(A|B|M|C|D)$")


class TaxCredit(Record):
    """纳税信用: the ratings the tax bureau published, newest first."""

    ratings: list[YearRating]
    provenance: Provenance


class ContributionTotal(Record):
    """One month of contributions for all employees together."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    headcount: int = Field(ge=0)
    employer_total: Decimal
    personal_total: Decimal


class EmployeeSocialInsurance(Record):
    """单位参保: monthly totals for the enterprise's insured employees, newest first."""

    months: list[ContributionTotal]
    provenance: Provenance


class EnterpriseUtilityAccount(Record):
    """A water, power or gas account of the enterprise."""

    kind: str = Field(pattern=r"^(water|power|gas)$")
    account_number: str
    address_zh: str
    arrears: Decimal
    last_bill_month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    last_bill_amount: Decimal | None = None
    provenance: Provenance


class EnterpriseUtilities(Record):
    """水电气: the enterprise's utility accounts."""

    accounts: list[EnterpriseUtilityAccount]


@dataclass(frozen=True, slots=True)
class SourceDown:
    """A department that did not answer for one part of the record."""

    source: str
    retry_after_seconds: int
    reason: str
    """``timeout``, ``error`` or ``malformed`` (for logs and operators)."""


@dataclass(frozen=True, slots=True)
class Part(Generic[T]):
    """One part of the record: its value (``None`` when none on record) or why it is missing."""

    payload: T | None
    unavailable: SourceDown | None = None


@dataclass(frozen=True, slots=True)
class EnterpriseRecord:
    """Everything the departments hold about one enterprise, part by part."""

    uscc: str
    registration: Part[Registration]
    licences: Part[EnterpriseLicences]
    tax_credit: Part[TaxCredit]
    social_insurance: Part[EmployeeSocialInsurance]
    utilities: Part[EnterpriseUtilities]
