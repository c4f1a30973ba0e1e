"""The ``departments`` collection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from directory.models import Contact, Department, DepartmentKind
from kit.text import Localized

Document = dict[str, Any]
Database = AsyncDatabase[Document]
"""The open database the directory's collections live in."""


def _localized(doc: Document) -> Localized:
    return Localized(zh=doc["zh"], en=doc["en"])


def _to_model(doc: Document) -> Department:
    contact = doc["contact"]
    return Department(
        code=doc["_id"],
        name=_localized(doc["name"]),
        short_name=_localized(doc["short_name"]),
        kind=DepartmentKind(doc["kind"]),
        contact=Contact(
            phone=contact["phone"],
            address=_localized(contact["address"]),
            office_hours=_localized(contact["office_hours"]),
            website=contact.get("website"),
        ),
    )


def _to_document(department: Department) -> Document:
    contact = department.contact
    return {
        "_id": department.code,
        "name": {"zh": department.name.zh, "en": department.name.en},
        "short_name": {"zh": department.short_name.zh, "en": department.short_name.en},
        "kind": department.kind.value,
        "contact": {
            "phone": contact.phone,
            "address": {"zh": contact.address.zh, "en": contact.address.en},
            "office_hours": {"zh": contact.office_hours.zh, "en": contact.office_hours.en},
            "website": contact.website,
        },
    }


class DepartmentRepository:
    """Reads and writes departments; the department code is the document ``_id``."""

    def __init__(self, database: Database) -> None:
        self._departments = database["departments"]

    async def ensure_indexes(self) -> None:
        """Create the indexes the queries below rely on (idempotent)."""
        await self._departments.create_index(
            [("kind", ASCENDING), ("_id", ASCENDING)], name="kind_code"
        )

    async def page(
        self, *, after_code: str | None, limit: int, kind: DepartmentKind | None = None
    ) -> list[Department]:
        """Up to ``limit`` departments with codes after ``after_code``, in code order."""
        query: Document = {}
        if after_code is not None:
            query["_id"] = {"$gt": after_code}
        if kind is not None:
            query["kind"] = kind.value
        cursor = self._departments.find(query).sort("_id", ASCENDING).limit(limit)
        return [_to_model(doc) async for doc in cursor]

    async def by_codes(self, codes: Sequence[str]) -> dict[str, Department]:
        """The departments with the given codes, in one query."""
        cursor = self._departments.find({"_id": {"$in": list(set(codes))}})
        return {doc["_id"]: _to_model(doc) async for doc in cursor}

    async def upsert_many(self, departments: Iterable[Department]) -> int:
        """Insert or replace departments by code; returns how many changed."""
        operations = [
            UpdateOne({"_id": d.code}, {"$set": _to_document(d)}, upsert=True) for d in departments
        ]
        if not operations:
            return 0
        result = await self._departments.bulk_write(operations, ordered=False)
        return result.upserted_count + result.modified_count
