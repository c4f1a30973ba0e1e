"""The register of legal entities (法人库) as the identity domain sees it: an adapter.

Claims and agent grants ask the register whether an enterprise exists, is still in
business and who its legal representative is. Production would call the city's
exchange service; the demo reads the register seeded into the exchange collections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from demo.exchange.models import EntityStatus, EntityType, LegalEntityRecord
from demo.exchange.repository import RegisterRepository
from infra.providers import DevelopmentOnly
from kit.text import Localized


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


def _registered(record: LegalEntityRecord) -> RegisteredEntity:
    return RegisteredEntity(
        uscc=record.uscc,
        name=record.name,
        entity_type=record.entity_type,
        status=record.status,
        established_on=record.established_on,
        representative_id_number=record.legal_representative_id_number,
    )


class ExchangeLegalEntityRegister(DevelopmentOnly):
    """DEMO adapter: reads the register of legal entities seeded into the exchange.

    Staging and production refuse to start with it wired.
    """

    label = "demo register of legal entities (the seeded exchange collections)"

    def __init__(self, registers: RegisterRepository) -> None:
        self._registers = registers

    async def entity(self, uscc: str) -> RegisteredEntity | None:
        """The seeded enterprise with this code, if any."""
        record = await self._registers.entity_by_uscc(uscc)
        return None if record is None else _registered(record)

    async def entities(self, usccs: Sequence[str]) -> dict[str, RegisteredEntity]:
        """The seeded enterprises among ``usccs``."""
        records = await self._registers.entities_by_uscc(usccs)
        return {record.uscc: _registered(record) for record in records}
