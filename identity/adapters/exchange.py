"""The population register and the register of legal entities, read from the exchange.

Real-name binding and enterprise claims ask the city's data-sharing exchange over HTTP
(:mod:`infra.exchange`: signed, bounded, retried GETs). When the exchange does not
answer, or answers nonsense, the caller gets :class:`infra.outages.Unavailable` (part
``exchange``): a typed "retry shortly" (``ServiceUnavailable`` on the API), never a
refusal that would blame the citizen. ID numbers travel in the URL only; our log lines
name the account or nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from identity.adapters.legal_entities import EntityStatus, EntityType, RegisteredEntity
from identity.adapters.population import RegisteredPerson
from identity.models import Gender
from infra.exchange import (
    EXCHANGE_RETRY_AFTER_SECONDS,
    ExchangeOutcome,
    ExchangeReader,
    segment,
)
from infra.http_get import GetFailed
from infra.outages import Unavailable
from kit.text import Localized

logger = logging.getLogger("identity.adapters.exchange")

MAX_ENTITIES_PER_LOOKUP = 100
"""The exchange answers at most this many entities per batch look-up."""


def _unavailable(what: str, reason: object) -> Unavailable:
    logger.warning("identity.exchange.unavailable register=%s reason=%s", what, reason)
    return Unavailable("exchange", retry_after=EXCHANGE_RETRY_AFTER_SECONDS)


def _person(doc: Any) -> RegisteredPerson:
    return RegisteredPerson(
        id_number=str(doc["id_number"]),
        name=str(doc["name"]),
        birth_date=date.fromisoformat(doc["birth_date"]),
        gender=Gender(doc["gender"]),
    )


def _entity(doc: Any) -> RegisteredEntity:
    return RegisteredEntity(
        uscc=str(doc["uscc"]),
        name=Localized(zh=str(doc["name"]["zh"]), en=str(doc["name"]["en"])),
        entity_type=EntityType(doc["entity_type"]),
        status=EntityStatus(doc["status"]),
        established_on=date.fromisoformat(doc["established_on"]),
        representative_id_number=str(doc["legal_representative"]["id_number"]),
    )


class ExchangePopulationRegister:
    """The population register on the exchange (``GET /v1/residents/{id_number}``)."""

    def __init__(self, reader: ExchangeReader) -> None:
        self._reader = reader

    def outcomes(self) -> dict[str, ExchangeOutcome | None]:
        """The last read from the exchange over this connection, for ``/readyz``."""
        return {"exchange": self._reader.last_outcome}

    async def lookup(self, id_number: str) -> RegisteredPerson | None:
        """The registered holder of ``id_number``, or ``None``.

        Raises :class:`~infra.outages.Unavailable` when the exchange gives no usable answer.
        """
        try:
            doc = await self._reader.document(f"/v1/residents/{segment(id_number)}")
            return None if doc is None else _person(doc)
        except GetFailed as failure:
            raise _unavailable("population", failure) from None
        except (KeyError, TypeError, ValueError) as error:
            raise _unavailable("population", f"malformed answer ({type(error).__name__})") from None


class ExchangeLegalEntityRegister:
    """The register of legal entities on the exchange (``/v1/legal-entities``)."""

    def __init__(self, reader: ExchangeReader) -> None:
        self._reader = reader

    async def entity(self, uscc: str) -> RegisteredEntity | None:
        """The registered enterprise with this code, or ``None``.

        Raises :class:`~infra.outages.Unavailable` when the exchange gives no usable answer.
        """
        try:
            doc = await self._reader.document(f"/v1/legal-entities/{segment(uscc)}")
            return None if doc is None else _entity(doc)
        except GetFailed as failure:
            raise _unavailable("legal_entities", failure) from None
        except (KeyError, TypeError, ValueError) as error:
            reason = f"malformed answer ({type(error).__name__})"
            raise _unavailable("legal_entities", reason) from None

    async def entities(self, usccs: Sequence[str]) -> dict[str, RegisteredEntity]:
        """The registered enterprises among ``usccs``, by code (one request per 100 codes)."""
        wanted = list(dict.fromkeys(usccs))
        found: dict[str, RegisteredEntity] = {}
        for start in range(0, len(wanted), MAX_ENTITIES_PER_LOOKUP):
            batch = wanted[start : start + MAX_ENTITIES_PER_LOOKUP]
            try:
                doc = await self._reader.document("/v1/legal-entities", params={"uscc": batch})
                for item in (doc or {}).get("entities", []):
                    entity = _entity(item)
                    if entity.uscc in batch:
                        found[entity.uscc] = entity
            except GetFailed as failure:
                raise _unavailable("legal_entities", failure) from None
            except (AttributeError, KeyError, TypeError, ValueError) as error:
                reason = f"malformed answer ({type(error).__name__})"
                raise _unavailable("legal_entities", reason) from None
        return found
