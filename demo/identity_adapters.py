"""Identity's registers and carrier check, answered from the demo exchange's seeded collections.

DEMO ONLY. The population register, the register of legal entities and the carrier's
real-name record are other systems; in development and tests they are played by the
register collections the demo seeds. Each adapter is :class:`DevelopmentOnly`:
staging and production refuse to start with it wired.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from demo.exchange.models import Gender as RegisterGender
from demo.exchange.models import LegalEntityRecord, ResidentRecord
from demo.exchange.repository import RegisterRepository
from identity.adapters.legal_entities import RegisteredEntity
from identity.adapters.population import RegisteredPerson
from identity.errors import InvalidPhone
from identity.models import Gender
from identity.phone import normalize_mobile
from infra.exchange import ExchangeReader, segment
from infra.http_get import GetFailed
from infra.outages import Unavailable
from infra.providers import DevelopmentOnly
from kit.text import Localized


class ExchangePopulationRegister(DevelopmentOnly):
    """DEMO adapter: reads the population register seeded into the exchange collections.

    Staging and production refuse to start with it wired: the real register is
    reached through the exchange's service (``identity.adapters.exchange``).
    """

    label = "demo population register (the seeded exchange collections, not the register)"

    def __init__(self, registers: RegisterRepository) -> None:
        self._registers = registers

    async def lookup(self, id_number: str) -> RegisteredPerson | None:
        """The seeded resident with this ID number, if any."""
        resident = await self._registers.resident_by_id_number(id_number)
        if resident is None:
            return None
        return RegisteredPerson(
            id_number=resident.id_number,
            name=resident.name,
            birth_date=resident.birth_date,
            gender=Gender(resident.gender.value),
        )


def _registered(record: LegalEntityRecord) -> RegisteredEntity:
    return RegisteredEntity(
        uscc=record.uscc,
        name=Localized(zh=record.name.zh, en=record.name.en),
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


class Residents(Protocol):
    """Looks residents up with their contact phone (the demo register's copy or the
    demo exchange service)."""

    async def resident_by_id_number(self, id_number: str) -> ResidentRecord | None:
        """The resident with this ID number, or ``None``."""
        ...


class ExchangeResidents:
    """DEMO: the demo exchange service's population register entries, contact phone too."""

    def __init__(self, reader: ExchangeReader) -> None:
        self._reader = reader

    async def resident_by_id_number(self, id_number: str) -> ResidentRecord | None:
        """The entry, or ``None``; :class:`~infra.outages.Unavailable` when it does not answer."""
        try:
            doc = await self._reader.document(f"/v1/residents/{segment(id_number)}")
            if doc is None:
                return None
            address = doc["household_address"]
            return ResidentRecord(
                id_number=doc["id_number"],
                name=doc["name"],
                gender=RegisterGender(doc["gender"]),
                birth_date=date.fromisoformat(doc["birth_date"]),
                household_address=Localized(zh=address["zh"], en=address["en"]),
                phone=doc.get("phone"),
            )
        except (GetFailed, KeyError, TypeError, ValueError):
            raise Unavailable("exchange", retry_after=10) from None


class DevelopmentCarrierCheck(DevelopmentOnly):
    """DEVELOPMENT ONLY — not a carrier: answers from the demo population register.

    A phone "belongs" to the resident whose register entry lists it as contact number.
    Staging and production refuse to start with it wired.
    """

    label = "development carrier check (answers from the demo population register)"

    def __init__(self, registers: Residents) -> None:
        self._registers = registers

    async def confirms(self, phone: str, name: str, id_number: str) -> bool:
        """True when the register lists ``phone`` for ``id_number``'s holder, named ``name``."""
        resident = await self._registers.resident_by_id_number(id_number)
        if resident is None or resident.phone is None or resident.name != name:
            return False
        try:
            return normalize_mobile(resident.phone) == phone
        except InvalidPhone:
            return False
