"""Two SMS vendors behind one sender: the second is asked when the first fails on its side."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from identity.adapters.sms import SmsSender
from identity.adapters.sms_common import VENDOR_RETRY_AFTER_SECONDS, Outcome, SmsVendorFailure
from identity.masking import mask_phone
from infra.outages import Unavailable

logger = logging.getLogger("identity.sms")


class FailoverSms:
    """Tries each vendor in turn while they fail for a reason of theirs or ours.

    A vendor that fails (down, timeout, balance, template or credentials refused, an
    unreadable answer: :class:`SmsVendorFailure`) passes the message to the next. A
    refusal for the number's own reason (:class:`~identity.errors.InvalidPhone`,
    :class:`~identity.errors.RateLimited`) is final: another vendor would refuse it too,
    or deliver what the carrier's limit holds back. When every vendor failed, the caller
    gets :class:`~infra.outages.Unavailable` (``ServiceUnavailable`` on the API).

    A timeout may hide a message the first vendor did send; the citizen then gets the
    same code twice, which is harmless, rather than none.
    """

    def __init__(self, *vendors: SmsSender) -> None:
        if len(vendors) < 2:
            raise ValueError("failover needs at least two vendors")
        self._vendors = vendors

    def outcomes(self) -> dict[str, Outcome | None]:
        """The last outcome of each vendor behind this sender."""
        found: dict[str, Outcome | None] = {}
        for vendor in self._vendors:
            report = getattr(vendor, "outcomes", None)
            if callable(report):
                found.update(report())
        return found

    async def aclose(self) -> None:
        """Close each vendor's connections."""
        for vendor in self._vendors:
            close = getattr(vendor, "aclose", None)
            if callable(close):
                await close()

    async def send_sign_in_code(self, phone: str, code: str) -> None:
        """Send the code through the first vendor that can."""
        await self._each(phone, lambda vendor: vendor.send_sign_in_code(phone, code))

    async def send_notice(self, phone: str, notice: str) -> None:
        """Send the notice through the first vendor that can."""
        await self._each(phone, lambda vendor: vendor.send_notice(phone, notice))

    async def _each(self, phone: str, send: Callable[[SmsSender], Awaitable[None]]) -> None:
        failures: list[str] = []
        for vendor in self._vendors:
            try:
                await send(vendor)
            except SmsVendorFailure as failure:
                failures.append(str(failure))
                logger.warning(
                    "identity.sms.failover phone=%s failed=%s", mask_phone(phone), failure
                )
                continue
            return
        logger.error(
            "identity.sms.all_vendors_failed phone=%s failures=%s",
            mask_phone(phone),
            "; ".join(failures),
        )
        raise Unavailable("sms", retry_after=VENDOR_RETRY_AFTER_SECONDS)
