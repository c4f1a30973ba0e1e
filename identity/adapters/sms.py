"""Sending sign-in codes and notices by SMS: the provider interface and the development stand-in."""

from __future__ import annotations

import logging
from collections import deque
from typing import Protocol

from identity.masking import mask_phone
from infra.providers import DevelopmentOnly

logger = logging.getLogger("identity.sms")


class SmsSender(Protocol):
    """A provider that delivers one text message."""

    async def send_sign_in_code(self, phone: str, code: str) -> None:
        """Deliver ``code`` to ``phone``; raise when the provider refused or failed."""

    async def send_notice(self, phone: str, notice: str) -> None:
        """Deliver the fixed notice template ``notice`` (e.g. ``identity_moved``)."""


class DevelopmentSms(DevelopmentOnly):
    """DEVELOPMENT ONLY — sends nothing: writes the code to the log in development.

    The last code per phone is also kept in memory so tests can read it; with
    ``log_codes=False`` (tests) that is the only place it goes. A :class:`DevelopmentOnly`
    provider: staging and production refuse to start with it wired.
    """

    label = "development SMS (codes written to the log, never sent)"

    def __init__(self, *, log_codes: bool) -> None:
        self.last_code: dict[str, str] = {}
        self.notices: deque[tuple[str, str]] = deque(maxlen=100)
        self._log_codes = log_codes

    async def send_sign_in_code(self, phone: str, code: str) -> None:
        """Keep the code (and log it, in development) instead of sending it."""
        self.last_code[phone] = code
        masked = mask_phone(phone)
        if not self._log_codes:
            logger.info("identity.sms.development_code phone=%s (kept in memory)", masked)
            return
        # ``development_code`` lets a development server's log handler keep recent codes
        # where another process (the dev-sms-codes command) can read them.
        logger.warning(
            "identity.sms.development_code phone=%s code=%s (not sent: development provider)",
            masked,
            code,
            extra={"development_code": (masked, code)},
        )

    async def send_notice(self, phone: str, notice: str) -> None:
        """Log the notice instead of sending it (it carries no secret)."""
        self.notices.append((phone, notice))
        logger.warning(
            "identity.sms.development_notice phone=%s notice=%s (not sent: development provider)",
            mask_phone(phone),
            notice,
        )
