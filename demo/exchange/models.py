"""Records of the exchange: the registers and the departments' data sets about residents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

# The register speaks the identity domain's vocabulary of legal forms and statuses.
from identity.adapters.legal_entities import EntityStatus as EntityStatus
from identity.adapters.legal_entities import EntityType as EntityType
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
