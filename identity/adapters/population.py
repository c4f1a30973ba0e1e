"""The population register (户籍人口库) as the identity domain sees it.

Real-name verification asks the register whether a resident ID number exists and
whose it is. The exchange service answers it over signed HTTP
(:mod:`identity.adapters.exchange`); the demo's embedded adapter, reading a register
copy seeded into the app's database, lives in ``demo/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from identity.models import Gender


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
