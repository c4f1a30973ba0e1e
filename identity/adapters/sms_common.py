"""What the real SMS adapters share: typed outcomes, the bounded signed POST, the last outcome.

Each vendor's answer ends in one of three ways for the sign-in flow:

- delivered (accepted by the vendor);
- refused for a reason of the citizen's number, which another vendor would refuse too:
  :class:`~identity.errors.InvalidPhone` (no such number, opted out) or
  :class:`~identity.errors.RateLimited` (the carrier's or vendor's limit for that
  number), which the flow answers as such;
- failed for a reason of ours or the vendor's (down, timeout, balance, template or
  signature not approved, credentials refused, an answer we cannot read):
  :class:`SmsVendorFailure`, an :class:`~infra.outages.Unavailable`, which a
  failover sender answers by trying the next vendor and the flow as
  ``ServiceUnavailable``.

Sending a message is not idempotent: a request that may have reached the vendor is
never repeated to the same vendor. Only a connection that failed before anything was
sent is retried, once, within the time budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from identity.adapters.outcomes import Outcome, OutcomeRecorder, utc_now
from identity.errors import InvalidPhone, RateLimited
from identity.masking import mask_phone
from infra.outages import Unavailable

__all__ = [
    "SIGN_IN_CODE",
    "Outcome",
    "OutcomeRecorder",
    "SmsTemplates",
    "SmsVendorFailure",
    "check_e164",
    "recorded_send",
    "utc_now",
]

logger = logging.getLogger("identity.sms")

DEFAULT_TIMEOUT_SECONDS = 3.0
"""The whole budget of one vendor call (connect, send, read); a sign-in waits for it."""
MAX_ANSWER_BYTES = 64 * 1024
"""A SendSms answer for one number is well under 1 KiB; anything this large is wrong."""
VENDOR_RETRY_AFTER_SECONDS = 30
"""What a citizen is told to wait when no vendor could send."""

SIGN_IN_CODE = "sign_in_code"
"""The template key of the sign-in code message (notices use their own names)."""

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class SmsVendorFailure(Unavailable):
    """The vendor did not send, for a reason that is not the citizen's: try another vendor.

    ``reason`` is one of a few stable words (``down``, ``timeout``,
    ``insufficient_balance``, ``template_not_approved``, ``credentials_refused``,
    ``throttled``, ``quota_exhausted``, ``malformed_answer``, ``refused``); ``code``
    is the vendor's own error code when it gave one.
    """

    def __init__(self, vendor: str, reason: str, *, code: str | None = None) -> None:
        super().__init__(f"sms.{vendor}", retry_after=VENDOR_RETRY_AFTER_SECONDS)
        self.vendor = vendor
        self.reason = reason
        self.code = code

    def __str__(self) -> str:
        suffix = f" ({self.code})" if self.code else ""
        return f"sms.{self.vendor}: {self.reason}{suffix}"


@dataclass(frozen=True, slots=True)
class SmsTemplates:
    """The vendor's template for the sign-in code and for each fixed notice."""

    sign_in_code: str
    notices: Mapping[str, str]

    @classmethod
    def of(cls, templates: Mapping[str, str]) -> SmsTemplates:
        """From a settings mapping: ``sign_in_code`` and one entry per notice name."""
        if not templates.get(SIGN_IN_CODE):
            raise ValueError(f"no template for {SIGN_IN_CODE}")
        notices = {name: value for name, value in templates.items() if name != SIGN_IN_CODE}
        return cls(templates[SIGN_IN_CODE], notices)


def check_e164(phone: str) -> str:
    """``phone`` when it is in E.164 form; the sign-in flow gives nothing else."""
    if not _E164.match(phone):
        raise InvalidPhone(field="phone")
    return phone


@dataclass(frozen=True, slots=True)
class Answer:
    """A vendor's HTTP answer, read within its size cap."""

    status: int
    body: bytes

    def json_object(self, vendor: str) -> dict[str, Any]:
        """The body as a JSON object, or :class:`SmsVendorFailure` ``malformed_answer``."""
        try:
            decoded = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise SmsVendorFailure(vendor, "malformed_answer") from None
        if not isinstance(decoded, dict):
            raise SmsVendorFailure(vendor, "malformed_answer")
        return decoded


async def bounded_post(
    client: httpx.AsyncClient,
    vendor: str,
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str],
    timeout_seconds: float,
    max_bytes: int = MAX_ANSWER_BYTES,
    sign: Callable[[], Mapping[str, str]] | None = None,
) -> Answer:
    """POST once within ``timeout_seconds``; a refused connection is retried once.

    ``sign`` (if given) adds fresh signature headers to each attempt. A timeout, a cut
    answer or one over ``max_bytes`` raises :class:`SmsVendorFailure` (``timeout``,
    ``down``, ``malformed_answer``); nothing that may have reached the vendor is sent
    again.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_seconds
    for attempt in (1, 2):
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        attempt_headers = dict(headers) | dict(sign() if sign else {})
        try:
            async with asyncio.timeout_at(deadline):
                return await _post(client, url, content, attempt_headers, remaining, max_bytes)
        except httpx.ConnectError:
            # Nothing was sent: the one case where trying again cannot send twice.
            logger.info("identity.sms.connect_failed vendor=%s attempt=%d", vendor, attempt)
            continue
        except (TimeoutError, httpx.TimeoutException):
            raise SmsVendorFailure(vendor, "timeout") from None
        except _TooLarge:
            raise SmsVendorFailure(vendor, "malformed_answer", code="too_large") from None
        except httpx.HTTPError as error:
            # A cut answer, a protocol error: the message may have been sent.
            raise SmsVendorFailure(vendor, "down", code=type(error).__name__) from None
    raise SmsVendorFailure(vendor, "down", code="connect_failed")


class _TooLarge(Exception):
    pass


async def _post(
    client: httpx.AsyncClient,
    url: str,
    content: bytes,
    headers: dict[str, str],
    remaining: float,
    max_bytes: int,
) -> Answer:
    timeout = httpx.Timeout(remaining, connect=min(1.0, remaining))
    async with client.stream(
        "POST", url, content=content, headers=headers, timeout=timeout
    ) as response:
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            raise _TooLarge
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise _TooLarge
        return Answer(response.status_code, bytes(body))


@contextlib.contextmanager
def recorded_send(recorder: OutcomeRecorder, vendor: str, phone: str) -> Iterator[None]:
    """Around one vendor's send: record how it ended (for ``/readyz``) and log it, the
    number masked. A failure or a refusal is re-raised as it came."""
    try:
        yield
    except SmsVendorFailure as failure:
        recorder.record(failure.reason, failure.code)
        logger.warning(
            "identity.sms.vendor_failed vendor=%s phone=%s reason=%s code=%s",
            vendor,
            mask_phone(phone),
            failure.reason,
            failure.code,
        )
        raise
    except (InvalidPhone, RateLimited) as refusal:
        recorder.record("refused_user", refusal.code)
        logger.info(
            "identity.sms.number_refused vendor=%s phone=%s refusal=%s",
            vendor,
            mask_phone(phone),
            refusal.code,
        )
        raise
    recorder.record("ok")
