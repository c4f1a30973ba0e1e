"""A bounded, retried, optionally signed HTTP GET: how we read another system's JSON.

The life record's department sources and the exchange's registers all read the same
way, so the rules live here once:

- One time budget (``timeout_seconds``) covers every attempt and every wait; a server
  that hangs, or trickles its body byte by byte, is given up on when it runs out.
- Only GET is sent, so retrying is safe: connect failures, 5xx and 429 are retried up
  to ``max_attempts`` with exponential backoff and full jitter, or after the server's
  ``Retry-After`` when it names one that fits in the budget.
- 200 and 404 are answers; any other status is a refusal (:class:`GetFailed`). A body
  over ``max_body_bytes`` is refused (:class:`AnswerTooLarge`) without reading it all.
- With a :class:`RequestSigner`, each attempt is signed afresh (a new timestamp and
  nonce: a retry must not look like a replay).
- Resident ID numbers may be in URLs, so httpx's request log line has them masked, and
  our own log lines carry only the caller's ``context`` (an account id, a section).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urlencode

import httpx

DEFAULT_TIMEOUT_SECONDS = 2.0
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BODY_BYTES = 1_048_576

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_ID_NUMBER_MASK = "[id-number]"


class RedactIdNumbers(logging.Filter):
    """Masks resident ID numbers in a logger's messages (httpx logs every request URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message without ID numbers; never drops the record."""
        message = record.getMessage()
        redacted = _ID_NUMBER.sub(_ID_NUMBER_MASK, message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def redact_httpx_request_log() -> None:
    """Install :class:`RedactIdNumbers` on httpx's logger (once)."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(existing, RedactIdNumbers) for existing in httpx_logger.filters):
        httpx_logger.addFilter(RedactIdNumbers())


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """The wait a ``Retry-After`` header asks for (seconds or an HTTP date), if usable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def full_jitter(ceiling: float) -> float:
    """A wait drawn uniformly from ``[0, ceiling]`` (spreads out clients' retries)."""
    return random.uniform(0.0, ceiling)  # noqa: S311 - spacing retries, not a secret


class RequestSigner(Protocol):
    """Signs one request: the headers that prove who sends it (fresh for every attempt)."""

    def headers(self, method: str, target: str, body: bytes) -> Mapping[str, str]:
        """Headers for ``method`` on ``target`` (path and query, as sent) with ``body``."""
        ...


class GetFailed(Exception):
    """No usable answer: down, refused, or the attempts or the time budget are spent."""


class GetTimedOut(GetFailed, TimeoutError):
    """No answer within the time budget."""


class AnswerTooLarge(GetFailed):
    """The server answered with more than the size cap."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A usable answer: 200 with its body, or 404 (the server holds nothing)."""

    status: int
    body: bytes

    @property
    def found(self) -> bool:
        """The server had something (200)."""
        return self.status == 200


class _Transient(Exception):
    """An attempt that may succeed if repeated (the request never reached the server)."""


class BoundedGet:
    """GETs JSON from one base URL within a time budget, retried, capped and signed."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        signer: RequestSigner | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        connect_timeout_seconds: float = 0.5,
        max_attempts: int = 3,
        backoff_base_seconds: float = 0.1,
        backoff_max_seconds: float = 1.0,
        jitter: Callable[[float], float] = full_jitter,
        max_body_bytes: int = MAX_BODY_BYTES,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        logger: logging.Logger | None = None,
        log_event: str = "infra.http",
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.timeout_seconds = timeout_seconds
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._signer = signer
        self._connect_timeout = connect_timeout_seconds
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base_seconds
        self._backoff_max = backoff_max_seconds
        self._jitter = jitter
        self._max_body_bytes = max_body_bytes
        # How the getter waits between attempts (tests record the waits it asks for).
        self._sleep = sleep
        self._logger = logger or logging.getLogger("infra.http_get")
        self._log_event = log_event
        redact_httpx_request_log()

    async def get(
        self, path: str, *, params: Mapping[str, str | list[str]] | None = None, context: str = ""
    ) -> Answer:
        """GET ``path`` (with ``params``); a 200 with its body, or a 404.

        Raises :class:`GetTimedOut` when the budget runs out, :class:`AnswerTooLarge`
        over the size cap, :class:`GetFailed` for every other failure. ``context`` names
        the caller in log lines (never personal data).
        """
        target = path + (f"?{urlencode(params, doseq=True)}" if params else "")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_seconds
        for attempt in range(1, self._max_attempts + 1):
            try:
                status, retry_after, body = await self._once(target, deadline)
            except _Transient as problem:
                reason, delay = str(problem), self._backoff(attempt)
            else:
                if status in (200, 404):
                    return Answer(status, body)
                if status not in RETRYABLE_STATUSES:
                    raise GetFailed(f"answered HTTP {status}")
                reason = f"HTTP {status}"
                delay = self._backoff(attempt) if retry_after is None else retry_after
            if attempt == self._max_attempts:
                raise GetFailed(f"{attempt} attempts, last {reason}")
            if loop.time() + delay >= deadline:
                raise GetFailed(f"no time left to retry after {reason}")
            self._logger.info(
                "%s.retry %s attempt=%d reason=%s delay=%.3f",
                self._log_event,
                context,
                attempt,
                reason,
                delay,
            )
            await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _once(self, target: str, deadline: float) -> tuple[int, float | None, bytes]:
        """One GET: the status, the Retry-After wait if any, and the body of a 200."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise GetTimedOut(f"no answer within {self.timeout_seconds:g}s")
        timeout = httpx.Timeout(remaining, connect=min(self._connect_timeout, remaining))
        headers = dict(self._headers)
        if self._signer is not None:
            headers.update(self._signer.headers("GET", target, b""))
        try:
            async with (
                asyncio.timeout_at(deadline),
                self._client.stream(
                    "GET", f"{self._base_url}{target}", headers=headers, timeout=timeout
                ) as response,
            ):
                if response.status_code != 200:
                    wait = retry_after_seconds(
                        response.headers.get("Retry-After"), now=datetime.now(UTC)
                    )
                    return response.status_code, wait, b""
                return 200, None, await self._read(response)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise _Transient(f"connect failed ({type(error).__name__})") from error
        except (TimeoutError, httpx.TimeoutException) as error:
            raise GetTimedOut(f"no answer within {self.timeout_seconds:g}s") from error
        except httpx.HTTPError as error:
            raise GetFailed(f"request failed ({type(error).__name__})") from error

    async def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_body_bytes:
            raise AnswerTooLarge(f"answer larger than {self._max_body_bytes} bytes")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self._max_body_bytes:
                raise AnswerTooLarge(f"answer larger than {self._max_body_bytes} bytes")
        return bytes(body)

    def _backoff(self, attempt: int) -> float:
        return self._jitter(min(self._backoff_max, self._backoff_base * 2 ** (attempt - 1)))
