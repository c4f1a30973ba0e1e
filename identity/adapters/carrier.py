"""The mobile carrier's real-name check (运营商三要素核验), as the identity domain sees it.

Every mainland number is registered to a real name at the carrier. Asking the carrier
whether the signed-in phone, a name and an ID number belong together proves
possession: a stranger who knows a citizen's name and ID number does not hold the
citizen's phone. Production calls a vendor (the providers issue); the development
stand-in, answering from the demo population register, lives in ``demo/``.
"""

from __future__ import annotations

from typing import Protocol


class CarrierRealNameCheck(Protocol):
    """Asks the carrier whether a mobile number is registered to a name and ID number."""

    async def confirms(self, phone: str, name: str, id_number: str) -> bool:
        """True only when the carrier's record of ``phone`` (E.164) names this person."""
