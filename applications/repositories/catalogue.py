"""The ``catalogue_items`` and ``catalogue_bundles`` collections; the code is the ``_id``.

Search matches every whitespace-separated token of the query, case-insensitively, as a
substring of the item's names in zh or en (kept lower-cased in ``search``). A substring
match cannot use an index; the catalogue is a few thousand items at most, and the page
is still read in code order behind the ``_id`` index with a limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from pymongo import ASCENDING, ReplaceOne

from applications.models import Bundle, Fee, FormField, Material, ResultLicence, ServiceItem
from applications.repositories import Database, Document
from kit.text import Localized


def _text(value: Localized) -> Document:
    return {"zh": value.zh, "en": value.en}


def _localized(doc: Document) -> Localized:
    return Localized(zh=doc["zh"], en=doc["en"])


def search_text(name: Localized) -> str:
    """What search matches: both names, lower-cased."""
    return f"{name.zh}\n{name.en}".lower()


def item_document(item: ServiceItem) -> Document:
    """The stored form of an item."""
    return {
        "_id": item.code,
        "name": _text(item.name),
        "search": search_text(item.name),
        "department_code": item.department_code,
        "legal_limit_days": item.legal_limit_days,
        "committed_limit_days": item.committed_limit_days,
        "steps": item.steps,
        "materials": [
            {
                "key": m.key,
                "name": _text(m.name),
                "formats": list(m.formats),
                "max_bytes": m.max_bytes,
                "e_licence_type": m.e_licence_type,
            }
            for m in item.materials
        ],
        "form_fields": [
            {
                "key": f.key,
                "label": _text(f.label),
                "schema": f.schema,
                "required": f.required,
                "prefill_key": f.prefill_key,
            }
            for f in item.form_fields
        ],
        # Amounts as decimal strings: never a binary float for money.
        "fees": [
            {"amount": str(fee.amount), "description": _text(fee.description)} for fee in item.fees
        ],
        "needs_assurance_level_3": item.needs_assurance_level_3,
        "agent_scope": item.agent_scope,
        "result": None
        if item.result is None
        else {
            "licence_type": item.result.licence_type,
            "fields": item.result.fields,
            "holder_field": item.result.holder_field,
        },
    }


def item_model(doc: Document) -> ServiceItem:
    """An item from its stored form."""
    return ServiceItem(
        code=doc["_id"],
        name=_localized(doc["name"]),
        department_code=doc["department_code"],
        legal_limit_days=doc["legal_limit_days"],
        committed_limit_days=doc["committed_limit_days"],
        steps=doc["steps"],
        materials=tuple(
            Material(
                key=m["key"],
                name=_localized(m["name"]),
                formats=tuple(m["formats"]),
                max_bytes=m["max_bytes"],
                e_licence_type=m.get("e_licence_type"),
            )
            for m in doc["materials"]
        ),
        form_fields=tuple(
            FormField(
                key=f["key"],
                label=_localized(f["label"]),
                schema=f["schema"],
                required=f["required"],
                prefill_key=f.get("prefill_key"),
            )
            for f in doc["form_fields"]
        ),
        fees=tuple(
            Fee(amount=Decimal(fee["amount"]), description=_localized(fee["description"]))
            for fee in doc["fees"]
        ),
        needs_assurance_level_3=doc["needs_assurance_level_3"],
        agent_scope=doc.get("agent_scope"),
        result=None
        if doc.get("result") is None
        else ResultLicence(
            licence_type=doc["result"]["licence_type"],
            fields=doc["result"]["fields"],
            holder_field=doc["result"].get("holder_field"),
        ),
    )


def _bundle_document(bundle: Bundle) -> Document:
    return {
        "_id": bundle.code,
        "name": _text(bundle.name),
        "item_codes": list(bundle.item_codes),
    }


def _bundle_model(doc: Document) -> Bundle:
    return Bundle(
        code=doc["_id"], name=_localized(doc["name"]), item_codes=tuple(doc["item_codes"])
    )


class CatalogueRepository:
    """Reads and writes catalogue items and bundles."""

    def __init__(self, database: Database) -> None:
        self._items = database["catalogue_items"]
        self._bundles = database["catalogue_bundles"]

    async def ensure_indexes(self) -> None:
        """Create the indexes the queries below rely on (idempotent)."""
        # Officers' and statistics' views list a department's items.
        await self._items.create_index(
            [("department_code", ASCENDING), ("_id", ASCENDING)], name="department_code"
        )
        # Which bundles use an item (an item's page links to its bundles).
        await self._bundles.create_index([("item_codes", ASCENDING)], name="item_codes")

    async def page(
        self, *, search: Sequence[str], after_code: str | None, limit: int
    ) -> list[ServiceItem]:
        """Up to ``limit`` items after ``after_code`` in code order whose names hold every token."""
        clauses: list[Document] = [{"search": {"$regex": re.escape(token)}} for token in search]
        if after_code is not None:
            clauses.append({"_id": {"$gt": after_code}})
        query: Document = {"$and": clauses} if clauses else {}
        cursor = self._items.find(query).sort("_id", ASCENDING).limit(limit)
        return [item_model(doc) async for doc in cursor]

    async def items_by_code(self, codes: Sequence[str]) -> dict[str, ServiceItem]:
        """The items with the given codes, in one query."""
        cursor = self._items.find({"_id": {"$in": list(set(codes))}})
        return {doc["_id"]: item_model(doc) async for doc in cursor}

    async def bundles(self) -> list[Bundle]:
        """Every bundle, in code order (a city has tens of them, not thousands)."""
        cursor = self._bundles.find({}).sort("_id", ASCENDING)
        return [_bundle_model(doc) async for doc in cursor]

    async def bundle(self, code: str) -> Bundle | None:
        """The bundle with this code, or ``None``."""
        doc = await self._bundles.find_one({"_id": code})
        return _bundle_model(doc) if doc is not None else None

    async def upsert_items(self, items: Iterable[ServiceItem]) -> int:
        """Insert or replace items by code; returns how many were written."""
        operations = [ReplaceOne({"_id": i.code}, item_document(i), upsert=True) for i in items]
        if not operations:
            return 0
        await self._items.bulk_write(operations, ordered=False)
        return len(operations)

    async def upsert_bundles(self, bundles: Iterable[Bundle]) -> int:
        """Insert or replace bundles by code; returns how many were written."""
        operations = [
            ReplaceOne({"_id": b.code}, _bundle_document(b), upsert=True) for b in bundles
        ]
        if not operations:
            return 0
        await self._bundles.bulk_write(operations, ordered=False)
        return len(operations)
