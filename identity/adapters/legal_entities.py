"""The register of legal entities (法人库) as the identity domain sees it.

Claims and agent grants ask the register whether an enterprise exists, is still in
business and who its legal representative is. The exchange service answers it over
signed HTTP (:mod:`identity.adapters.exchange`); the demo's embedded adapter lives in
``demo/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from kit.text import Localized


class EntityType(StrEnum):
    """The legal form of a registered market entity, as the register names it."""

    LIMITED_LIABILITY_COMPANY = "limited_liability_company"
    """有限责任公司"""
    JOINT_STOCK_COMPANY = "joint_stock_company"
    """股份有限公司"""
    SOLE_PROPRIETORSHIP = "sole_proprietorship"
    """个人独资企业"""
    INDIVIDUAL_BUSINESS = "individual_business"
    """个体工商户 (its operator is recorded as the legal representative)"""


class EntityStatus(StrEnum):
    """Registration status of a legal entity, as the register names it."""

    ACTIVE = "active"
    """存续（在营、开业、在册）"""
    REVOKED = "revoked"
    """吊销 (business licence revoked, not yet deregistered)"""
    DEREGISTERED = "deregistered"
    """注销"""


@dataclass(frozen=True, slots=True)
class RegisteredEntity:
    """What the register says about one enterprise.

    ``representative_id_number`` is only ever hashed for comparison: it is never
    stored by the identity domain, returned or logged.
    """

    uscc: str
    name: Localized
    entity_type: EntityType
    status: EntityStatus
    established_on: date
    representative_id_number: str

    @property
    def active(self) -> bool:
        """Still in business (neither deregistered nor with its licence revoked)."""
        return self.status is EntityStatus.ACTIVE


class LegalEntityRegister(Protocol):
    """Looks enterprises up by their unified social credit code (upper case)."""

    async def entity(self, uscc: str) -> RegisteredEntity | None:
        """The registered enterprise with this code, or ``None`` when there is none."""

    async def entities(self, usccs: Sequence[str]) -> dict[str, RegisteredEntity]:
        """The registered enterprises among ``usccs``, by code (in one look-up)."""
