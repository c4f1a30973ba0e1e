"""The population register (户籍人口库) as the identity domain sees it: an adapter.

Real-name verification asks the register whether a resident ID number exists and
whose it is. Production would call the city's exchange service; the demo reads the
register seeded into the exchange collections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from demo.exchange.repository import RegisterRepository
from identity.models import Gender
from infra.providers import DevelopmentOnly


@dataclass(frozen=True, slots=True)
class RegisteredPerson:
    """What the register says about the holder of one resident ID number."""

    id_number: str
    name: str
    birth_date: date
    gender: Gender


class PopulationRegister(Protocol):
    """Looks up residents by their 18-character ID number (upper-case ``X``)."""

    async def lookup(self, id_number: str) -> RegisteredPerson | None:
        """The registered holder of ``id_number``, or ``None`` when there is none."""


class ExchangePopulationRegister(DevelopmentOnly):
    """DEMO adapter: reads the population register seeded into the exchange collections.

    Staging and production refuse to start with it wired: the real register is
    reached through the exchange's service, which arrives with the providers issue.
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
