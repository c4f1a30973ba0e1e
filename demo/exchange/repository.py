"""The ``exchange_population`` and ``exchange_legal_entities`` collections."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from demo.exchange.models import EntityStatus, EntityType, Gender, LegalEntityRecord, ResidentRecord
from kit.text import Localized

Document = dict[str, Any]

# Enough for any real person's companies; keeps the answer bounded all the same.
MAX_ENTITIES_PER_REPRESENTATIVE = 100


def _localized(doc: Document) -> Localized:
    return Localized(zh=doc["zh"], en=doc["en"])


def _localized_document(text: Localized) -> Document:
    return {"zh": text.zh, "en": text.en}


# Calendar dates (not instants) are stored as ISO "YYYY-MM-DD" strings: BSON dates
# are UTC instants, and a birth date has no time zone.
def _resident_document(resident: ResidentRecord) -> Document:
    return {
        "_id": resident.id_number,
        "name": resident.name,
        "gender": resident.gender.value,
        "birth_date": resident.birth_date.isoformat(),
        "household_address": _localized_document(resident.household_address),
        "phone": resident.phone,
    }


def _resident(doc: Document) -> ResidentRecord:
    return ResidentRecord(
        id_number=doc["_id"],
        name=doc["name"],
        gender=Gender(doc["gender"]),
        birth_date=date.fromisoformat(doc["birth_date"]),
        household_address=_localized(doc["household_address"]),
        phone=doc.get("phone"),
    )


def _entity_document(entity: LegalEntityRecord) -> Document:
    capital = entity.registered_capital
    return {
        "_id": entity.uscc,
        "name": _localized_document(entity.name),
        "entity_type": entity.entity_type.value,
        "legal_representative": {
            "id_number": entity.legal_representative_id_number,
            "name": entity.legal_representative_name,
        },
        "registered_capital": None if capital is None else Decimal128(capital),
        "established_on": entity.established_on.isoformat(),
        "address": _localized_document(entity.address),
        "status": entity.status.value,
    }


def _entity(doc: Document) -> LegalEntityRecord:
    capital = doc.get("registered_capital")
    representative = doc["legal_representative"]
    return LegalEntityRecord(
        uscc=doc["_id"],
        name=_localized(doc["name"]),
        entity_type=EntityType(doc["entity_type"]),
        legal_representative_id_number=representative["id_number"],
        legal_representative_name=representative["name"],
        registered_capital=None if capital is None else capital.to_decimal(),
        established_on=date.fromisoformat(doc["established_on"]),
        address=_localized(doc["address"]),
        status=EntityStatus(doc["status"]),
    )


async def _upsert(collection: AsyncCollection[Document], documents: Iterable[Document]) -> int:
    operations = [UpdateOne({"_id": d["_id"]}, {"$set": d}, upsert=True) for d in documents]
    if not operations:
        return 0
    result = await collection.bulk_write(operations, ordered=False)
    return result.upserted_count + result.modified_count


class RegisterRepository:
    """Reads and writes the population register and the register of legal entities.

    A resident's ``_id`` is the resident ID number; an entity's is its unified social
    credit code. Lookups take the numbers exactly as stored (upper case).
    """

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._population = database["exchange_population"]
        self._entities = database["exchange_legal_entities"]

    async def ensure_indexes(self) -> None:
        """Create the indexes the queries below rely on (idempotent)."""
        await self._entities.create_index(
            [("legal_representative.id_number", ASCENDING), ("_id", ASCENDING)],
            name="legal_representative_uscc",
        )

    async def upsert_residents(self, residents: Iterable[ResidentRecord]) -> int:
        """Insert or refresh residents by ID number; returns how many changed."""
        return await _upsert(self._population, map(_resident_document, residents))

    async def upsert_entities(self, entities: Iterable[LegalEntityRecord]) -> int:
        """Insert or refresh legal entities by USCC; returns how many changed."""
        return await _upsert(self._entities, map(_entity_document, entities))

    async def resident_by_id_number(self, id_number: str) -> ResidentRecord | None:
        """The resident with this ID number, or ``None`` when the register has none."""
        doc = await self._population.find_one({"_id": id_number})
        return None if doc is None else _resident(doc)

    async def entity_by_uscc(self, uscc: str) -> LegalEntityRecord | None:
        """The legal entity with this unified social credit code, or ``None``."""
        doc = await self._entities.find_one({"_id": uscc})
        return None if doc is None else _entity(doc)

    async def entities_by_uscc(self, usccs: Sequence[str]) -> list[LegalEntityRecord]:
        """The legal entities among ``usccs`` (one query; unknown codes are left out)."""
        if not usccs:
            return []
        cursor = self._entities.find({"_id": {"$in": list(usccs)}})
        return [_entity(doc) async for doc in cursor]

    async def entities_by_legal_representative(
        self, id_number: str, *, limit: int = MAX_ENTITIES_PER_REPRESENTATIVE
    ) -> list[LegalEntityRecord]:
        """The entities (any status) whose legal representative has this ID number.

        In USCC order, at most ``limit`` of them.
        """
        cursor = (
            self._entities.find({"legal_representative.id_number": id_number})
            .sort("_id", ASCENDING)
            .limit(limit)
        )
        return [_entity(doc) async for doc in cursor]
