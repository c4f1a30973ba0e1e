"""Records of the exchange: the registers and the departments' data sets about residents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kit.text import Localized


class Gender(StrEnum):
    """Gender as recorded in the population register (and in the ID number's parity)."""

    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True, slots=True)
class ResidentRecord:
    """A person in the population register (户籍人口库), keyed by resident ID number.

    ``id_number`` is the 18-character resident identity card number, upper-case
    ``X`` for a check character of ten. ``phone`` is the contact number on file, if any
    (minors usually have none).
    """

    id_number: str
    name: str
    gender: Gender
    birth_date: date
    household_address: Localized
    phone: str | None


class EntityType(StrEnum):
    """The legal form of a registered market entity."""

    LIMITED_LIABILITY_COMPANY = "limited_liability_company"
    """有限责任公司"""
    JOINT_STOCK_COMPANY = "joint_stock_company"
    """股份有限公司"""
    SOLE_PROPRIETORSHIP = "sole_proprietorship"
    """个人独资企业"""
    INDIVIDUAL_BUSINESS = "individual_business"
    """个体工商户 (its operator is recorded as the legal representative)"""


class EntityStatus(StrEnum):
    """Registration status of a legal entity."""

    ACTIVE = "active"
    """存续（在营、开业、在册）"""
    REVOKED = "revoked"
    """吊销 (business licence revoked, not yet deregistered)"""
    DEREGISTERED = "deregistered"
    """注销"""


@dataclass(frozen=True, slots=True)
class LegalEntityRecord:
    """A market entity in the register of legal entities (法人库), keyed by its USCC.

    ``uscc`` is the 18-character unified social credit code. ``registered_capital``
    is in yuan (CNY); ``None`` where the form has none (individual businesses).
    """

    uscc: str
    name: Localized
    entity_type: EntityType
    legal_representative_id_number: str
    legal_representative_name: str
    registered_capital: Decimal | None
    established_on: date
    address: Localized
    status: EntityStatus


@dataclass(frozen=True, slots=True)
class DepartmentRecord:
    """One department's data set about one resident, as shared on the exchange.

    ``payload`` is the data in its JSON form (plain dicts, lists, strings and numbers)
    exactly as the department published it: the exchange stores it, the reader
    validates it. ``as_of`` is when the department last updated it (UTC).
    """

    id_number: str
    payload: Any
    as_of: datetime | None
