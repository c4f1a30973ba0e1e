"""The mobile carrier's real-name check (运营商三要素核验), as the identity domain sees it.

Every mainland number is registered to a real name at the carrier. Asking the carrier
whether the signed-in phone, a name and an ID number belong together proves
possession: a stranger who knows a citizen's name and ID number does not hold the
citizen's phone. Production calls a vendor (the providers issue); the development
adapter answers from the demo population register's contact phone.
"""

from __future__ import annotations

from typing import Protocol

from demo.exchange.repository import RegisterRepository
from identity.errors import InvalidPhone
from identity.phone import normalize_mobile
from infra.providers import DevelopmentOnly


class CarrierRealNameCheck(Protocol):
    """Asks the carrier whether a mobile number is registered to a name and ID number."""

    async def confirms(self, phone: str, name: str, id_number: str) -> bool:
        """True only when the carrier's record of ``phone`` (E.164) names this person."""


class DevelopmentCarrierCheck(DevelopmentOnly):
    """DEVELOPMENT ONLY — not a carrier: answers from the demo population register.

    A phone "belongs" to the resident whose register entry lists it as contact number.
    Staging and production refuse to start with it wired.
    """

    label = "development carrier check (answers from the demo population register)"

    def __init__(self, registers: RegisterRepository) -> None:
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
