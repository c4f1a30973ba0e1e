"""A section source that calls a department's HTTP endpoint (how a real source is wired).

``GET {base_url}{path}`` where the path template names the resident, for example
``/v1/residents/{id_number}/provident-fund``, with the department's API key in a
header, or each request signed by a :class:`~infra.http_get.RequestSigner` (the data
exchange's client credential). The answer is the section's payload in its JSON form.

The time budget, retries, size cap and masked logs are :class:`infra.http_get.BoundedGet`'s.
404 means the department holds nothing about the resident (``None``). An answer that is
not a valid payload, or over the size cap, raises :class:`MalformedAnswer`, running out
of time :class:`SourceTimeout`, any other failure :class:`SourceError`.
The resident ID number is in the URL, so it never appears in our logs: ours name the
account, and httpx's request log line has the number masked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import quote

import httpx

from infra.http_get import (
    DEFAULT_TIMEOUT_SECONDS,
    MAX_BODY_BYTES,
    AnswerTooLarge,
    BoundedGet,
    GetFailed,
    GetTimedOut,
    RedactIdNumbers,
    RequestSigner,
    full_jitter,
    retry_after_seconds,
)
from liferecord.adapters.payloads import validate_payload_json
from liferecord.adapters.sources import MalformedAnswer, SourceError
from liferecord.models import Citizen, Record, Section

__all__ = [
    "HttpSectionSource",
    "RedactIdNumbers",
    "SourceTimeout",
    "full_jitter",
    "retry_after_seconds",
    "source_error",
]

logger = logging.getLogger("liferecord.adapters.http")


class SourceTimeout(SourceError, TimeoutError):
    """The department did not answer within the source's time budget."""


def source_error(what: str, failure: GetFailed) -> SourceError:
    """The life record's error for a failed GET (timeouts and over-size keep their kind)."""
    if isinstance(failure, GetTimedOut):
        return SourceTimeout(f"{what}: {failure}")
    if isinstance(failure, AnswerTooLarge):
        return MalformedAnswer(f"{what}: {failure}")
    return SourceError(f"{what}: {failure}")


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
        api_key: str | None = None,
        api_key_header: str = "X-API-Key",
        signer: RequestSigner | None = None,
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
        if api_key is None and signer is None:
            raise ValueError("an API key or a request signer is needed")
        self.section = section
        self.department_code = department_code
        self.freshness = freshness
        self.timeout_seconds = timeout_seconds
        self._path_template = path_template
        self._get = BoundedGet(
            client,
            base_url=base_url,
            headers={} if api_key is None else {api_key_header: api_key},
            signer=signer,
            timeout_seconds=timeout_seconds,
            connect_timeout_seconds=connect_timeout_seconds,
            max_attempts=max_attempts,
            backoff_base_seconds=backoff_base_seconds,
            backoff_max_seconds=backoff_max_seconds,
            jitter=jitter,
            max_body_bytes=max_body_bytes,
            sleep=sleep,
            logger=logger,
            log_event="liferecord.http",
        )

    async def fetch(self, citizen: Citizen) -> Record | None:
        """The section's payload for ``citizen``; ``None`` when the department answers 404.

        Raises :class:`SourceError` when the time budget runs out, the attempts are
        spent, or the answer is refused, malformed or does not match the schema.
        """
        path = self._path_template.format(id_number=quote(citizen.id_number, safe=""))
        context = (
            f"section={self.section.value} source={self.department_code} "
            f"account={citizen.account_id}"
        )
        try:
            answer = await self._get.get(path, context=context)
            if not answer.found:
                return None
            return validate_payload_json(self.section, answer.body)
        except GetFailed as failure:
            raise self._failed(citizen, source_error(self.section.value, failure)) from None
        except SourceError as error:
            raise self._failed(citizen, error) from None

    def _failed(self, citizen: Citizen, error: SourceError) -> SourceError:
        logger.warning(
            "liferecord.http.failed section=%s source=%s account=%s error=%s",
            self.section.value,
            self.department_code,
            citizen.account_id,
            error,
        )
        return error
