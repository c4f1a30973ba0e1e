"""Sending sign-in codes by SMS, through a provider interface."""

from __future__ import annotations

import logging
from typing import Protocol

logger = logging.getLogger("identity.sms")


class SmsSender(Protocol):
    """A provider that delivers one text message."""

    async def send_sign_in_code(self, phone: str, code: str) -> None:
        """Deliver ``code`` to ``phone``; raise when the provider refused or failed."""


class DevelopmentSms:
    """DEVELOPMENT ONLY — sends nothing: writes the code to the log.

    The last code per phone is also kept in memory so tests can read it. Never
    configured in production (the settings refuse ``SZ_PROVIDERS=development`` there).
    """

    def __init__(self) -> None:
        self.last_code: dict[str, str] = {}

    async def send_sign_in_code(self, phone: str, code: str) -> None:
        """Log the code instead of sending it."""
        self.last_code[phone] = code
        masked = mask_phone(phone)
        # ``development_code`` lets a development server's log handler keep recent codes
        # where another process (the dev-sms-codes command) can read them.
        logger.warning(
            "identity.sms.development_code phone=%s code=%s (not sent: development provider)",
            masked,
            code,
            extra={"development_code": (masked, code)},
        )


def mask_phone(phone: str) -> str:
    """``+8613907330001`` → ``139****0001``: enough to recognise, not to dial."""
    digits = phone.removeprefix("+86")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"
