"""The API's connection to the data-sharing exchange: signed, bounded GETs of JSON.

The registers (population, legal entities) and the departments' data sets are the
exchange's, another system with its own database, reached only over HTTP. Each domain's
adapters speak its paths (``identity.adapters.exchange``, ``liferecord.adapters.exchange``)
through one :class:`ExchangeReader`, which signs every request with the client's
credential (:mod:`infra.exchange_signing`) and reads within a time budget, retried and
size-capped (:class:`infra.http_get.BoundedGet`).

Paths of the exchange's protocol (version 1), all GET, JSON answers, 404 = none held::

    /v1/residents/{id_number}                         the population register's entry
    /v1/residents/{id_number}/records/{kind}          a department's data set (its payload)
    /v1/legal-entities/{uscc}                         the register of legal entities' entry
    /v1/legal-entities?uscc=A&uscc=B                  several entries ({"entities": [...]})
    /v1/enterprises/{uscc}/records/{kind}             {"payload": ..., "as_of": ISO | null}
    /v1/enterprises/{uscc}/contribution-totals?months=12   totals only, no one named
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from infra.exchange_signing import ExchangeSigner
from infra.http_get import BoundedGet, GetFailed

EXCHANGE_RETRY_AFTER_SECONDS = 10
"""What a caller is told to wait when the exchange does not answer."""
DEFAULT_EXCHANGE_TIMEOUT_SECONDS = 2.0
MAX_ANSWER_BYTES = 1_048_576

logger = logging.getLogger("infra.exchange")


class NotJson(GetFailed):
    """The exchange answered 200 with something that is not JSON."""


@dataclass(frozen=True, slots=True)
class ExchangeOutcome:
    """How the last read from the exchange ended, for ``/readyz`` (no personal data)."""

    outcome: str
    """``ok``, or the kind of failure (``GetTimedOut``, ``NotJson``, ``GetFailed`` …)."""
    at: datetime

    def as_json(self) -> dict[str, str]:
        """The outcome as ``/readyz`` shows it."""
        return {"outcome": self.outcome, "at": self.at.isoformat(timespec="seconds")}


@dataclass(slots=True)
class LastOutcome:
    """The last outcome of any reader over one connection (per process, in memory)."""

    value: ExchangeOutcome | None = None


def segment(value: str) -> str:
    """``value`` as one path segment (ID numbers and codes are alphanumeric anyway)."""
    return quote(value, safe="")


@dataclass(frozen=True, slots=True)
class ExchangeConnection:
    """Where the exchange is and who we are to it: what every adapter needs."""

    client: httpx.AsyncClient
    base_url: str
    signer: ExchangeSigner
    timeout_seconds: float = DEFAULT_EXCHANGE_TIMEOUT_SECONDS
    max_body_bytes: int = MAX_ANSWER_BYTES
    last: LastOutcome = field(default_factory=LastOutcome)

    def reader(self, *, log: logging.Logger | None = None, log_event: str) -> ExchangeReader:
        """A reader of JSON documents, logging as ``log_event``."""
        return ExchangeReader(
            BoundedGet(
                self.client,
                base_url=self.base_url,
                signer=self.signer,
                timeout_seconds=self.timeout_seconds,
                max_body_bytes=self.max_body_bytes,
                logger=log or logger,
                log_event=log_event,
            ),
            self.last,
        )


class ExchangeReader:
    """Reads JSON documents from the exchange (``None`` when it holds nothing)."""

    def __init__(self, get: BoundedGet, last: LastOutcome | None = None) -> None:
        self._get = get
        self._last = last or LastOutcome()

    @property
    def last_outcome(self) -> ExchangeOutcome | None:
        """How the last read over this connection ended (``None``: no read yet)."""
        return self._last.value

    async def document(
        self, path: str, *, params: Mapping[str, str | list[str]] | None = None, context: str = ""
    ) -> Any:
        """The decoded JSON at ``path``; ``None`` on 404.

        Raises :class:`~infra.http_get.GetFailed` (or its kinds: timed out, too large,
        :class:`NotJson`) when there is no usable answer.
        """
        try:
            answer = await self._get.get(path, params=params, context=context)
            if not answer.found:
                document = None
            else:
                try:
                    document = json.loads(answer.body)
                except (UnicodeDecodeError, ValueError):
                    raise NotJson("the answer is not JSON") from None
        except GetFailed as failure:
            self._last.value = ExchangeOutcome(type(failure).__name__, datetime.now(UTC))
            raise
        self._last.value = ExchangeOutcome("ok", datetime.now(UTC))
        return document
