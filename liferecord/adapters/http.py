"""A section source that calls a department's HTTP endpoint (how a real source is wired).

``GET {base_url}{path}`` where the path template names the resident, for example
``/v1/residents/{id_number}/provident-fund``, with the department's API key in a
header. The answer is the section's payload in its JSON form.

- One time budget (``timeout_seconds``) covers every attempt and every wait; a
  department that hangs is given up on when it runs out.
- Only GET is ever sent, so retrying is safe: connect failures, 5xx and 429 are
  retried up to ``max_attempts`` with exponential backoff and full jitter, or after
  the server's ``Retry-After`` when it names one that fits in the budget.
- 404 means the department holds nothing about the resident (``None``). An answer
  that is not a valid payload raises :class:`MalformedAnswer`, running out of time
  :class:`SourceTimeout`, any other failure :class:`SourceError`.
- The resident ID number is in the URL, so it never appears in our logs: ours name
  the account, and httpx's request log line has the number masked.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import httpx

from liferecord.adapters.payloads import validate_payload_json
from liferecord.adapters.sources import MalformedAnswer, SourceError
from liferecord.models import Citizen, Record, Section

logger = logging.getLogger("liferecord.adapters.http")

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


def _redact_httpx_request_log() -> None:
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


class _Transient(Exception):
    """An attempt that may succeed if repeated (the request never reached the server)."""


class _Refused(Exception):
    """An answer (or its absence) that repeating the request would not mend."""

    def __init__(self, reason: str, *, kind: type[SourceError] = SourceError) -> None:
        super().__init__(reason)
        self.kind = kind


class SourceTimeout(SourceError, TimeoutError):
    """The department did not answer within the source's time budget."""


class HttpSectionSource:
    """One section served by a department's HTTP endpoint (GET only, retried, bounded)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        section: Section,
        department_code: str,
        freshness: timedelta,
        base_url: str,
        path_template: str,
        api_key: str,
        api_key_header: str = "X-API-Key",
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        connect_timeout_seconds: float = 0.5,
        max_attempts: int = 3,
        backoff_base_seconds: float = 0.1,
        backoff_max_seconds: float = 1.0,
        jitter: Callable[[float], float] = full_jitter,
        max_body_bytes: int = MAX_BODY_BYTES,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if "{id_number}" not in path_template:
            raise ValueError("path_template must contain {id_number}")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.section = section
        self.department_code = department_code
        self.freshness = freshness
        self.timeout_seconds = timeout_seconds
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._path_template = path_template
        self._headers = {api_key_header: api_key, "Accept": "application/json"}
        self._connect_timeout = connect_timeout_seconds
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base_seconds
        self._backoff_max = backoff_max_seconds
        self._jitter = jitter
        self._max_body_bytes = max_body_bytes
        # How the source waits between attempts (tests record the waits it asks for).
        self._sleep = sleep
        _redact_httpx_request_log()

    async def fetch(self, citizen: Citizen) -> Record | None:
        """The section's payload for ``citizen``; ``None`` when the department answers 404.

        Raises :class:`SourceError` when the time budget runs out, the attempts are
        spent, or the answer is refused, malformed or does not match the schema.
        """
        path = self._path_template.format(id_number=quote(citizen.id_number, safe=""))
        url = f"{self._base_url}{path}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_seconds
        for attempt in range(1, self._max_attempts + 1):
            try:
                status, retry_after, body = await self._get(url, deadline)
            except _Transient as problem:
                reason, delay = str(problem), self._backoff(attempt)
            except _Refused as problem:
                failure = problem.kind(f"{self.section.value}: {problem}")
                raise self._failed(citizen, failure) from problem.__cause__
            else:
                if status == 200:
                    try:
                        return validate_payload_json(self.section, body)
                    except SourceError as error:
                        raise self._failed(citizen, error) from None
                if status == 404:
                    return None
                if status not in RETRYABLE_STATUSES:
                    raise self._failed(citizen, self._error(f"answered HTTP {status}"))
                reason = f"HTTP {status}"
                delay = self._backoff(attempt) if retry_after is None else retry_after
            if attempt == self._max_attempts:
                raise self._failed(citizen, self._error(f"{attempt} attempts, last {reason}"))
            if loop.time() + delay >= deadline:
                raise self._failed(citizen, self._error(f"no time left to retry after {reason}"))
            logger.info(
                "liferecord.http.retry section=%s source=%s account=%s attempt=%d "
                "reason=%s delay=%.3f",
                self.section.value,
                self.department_code,
                citizen.account_id,
                attempt,
                reason,
                delay,
            )
            await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _get(self, url: str, deadline: float) -> tuple[int, float | None, bytes]:
        """One GET: the status, the Retry-After wait if any, and the body of a 200."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise _Refused(f"no answer within {self.timeout_seconds:g}s", kind=SourceTimeout)
        timeout = httpx.Timeout(remaining, connect=min(self._connect_timeout, remaining))
        try:
            # The asyncio deadline also bounds a body that trickles in byte by byte.
            async with (
                asyncio.timeout_at(deadline),
                self._client.stream("GET", url, headers=self._headers, timeout=timeout) as response,
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
            raise _Refused(
                f"no answer within {self.timeout_seconds:g}s", kind=SourceTimeout
            ) from error
        except httpx.HTTPError as error:
            raise _Refused(f"request failed ({type(error).__name__})") from error

    async def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_body_bytes:
            raise _Refused(f"answer larger than {self._max_body_bytes} bytes", kind=MalformedAnswer)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self._max_body_bytes:
                raise _Refused(
                    f"answer larger than {self._max_body_bytes} bytes", kind=MalformedAnswer
                )
        return bytes(body)

    def _backoff(self, attempt: int) -> float:
        return self._jitter(min(self._backoff_max, self._backoff_base * 2 ** (attempt - 1)))

    def _error(self, reason: str) -> SourceError:
        return SourceError(f"{self.section.value}: {reason}")

    def _failed(self, citizen: Citizen, error: SourceError) -> SourceError:
        logger.warning(
            "liferecord.http.failed section=%s source=%s account=%s error=%s",
            self.section.value,
            self.department_code,
            citizen.account_id,
            error,
        )
        return error
