"""The departments' data sets about enterprises on the exchange, keyed by USCC.

Like the residents' data sets (``demo.exchange.records``), each department publishes one
document per enterprise and kind — ``exchange_enterprise_<kind>`` — holding its data
in JSON form (``payload``) and when it last updated it (``as_of``).

Social insurance is different: the HR & social security bureau publishes each
month's contribution roll with one line per employee (name, ID number, amounts).
Enterprises are shown only totals, so the totals are computed inside the database
(one aggregation over one document) and employees' names and ID numbers never leave
it on this path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

# The exchange answers in the life record's own records of contribution totals.
from liferecord.models import ContributionTotals as ContributionTotals
from liferecord.models import MonthTotals as MonthTotals

Document = dict[str, Any]

ENTERPRISE_RECORD_KINDS: frozenset[str] = frozenset({"tax_credit", "utilities"})
"""Kinds of enterprise data set carried as a JSON payload (licences are the wallet's)."""

CONTRIBUTIONS_COLLECTION = "exchange_enterprise_social_insurance"
MAX_MONTHS = 24


class UnknownEnterpriseRecordKind(ValueError):
    """A data set kind the exchange does not carry (refused: it would name a collection)."""


@dataclass(frozen=True, slots=True)
class EnterpriseDataSet:
    """One department's data set about one enterprise, as published (JSON form)."""

    uscc: str
    payload: Any
    as_of: datetime | None


@dataclass(frozen=True, slots=True)
class EmployeeContribution:
    """One employee's line of a monthly contribution roll (personal data: stays inside)."""

    name: str
    id_number: str
    base: Decimal
    employer: Decimal
    personal: Decimal


@dataclass(frozen=True, slots=True)
class ContributionRoll:
    """An enterprise's contribution roll of one month (``YYYY-MM``)."""

    month: str
    employees: tuple[EmployeeContribution, ...]


def _collection_name(kind: str) -> str:
    if kind not in ENTERPRISE_RECORD_KINDS:
        raise UnknownEnterpriseRecordKind(kind)
    return f"exchange_enterprise_{kind}"


def _sum_of(field: str) -> Document:
    # $reduce + $add rather than {$sum: <array>}: the same MongoDB semantics, and it
    # keeps Decimal128 exact on every server the suite runs against.
    return {
        "$reduce": {
            "input": "$$m.employees",
            "initialValue": Decimal128("0"),
            "in": {"$add": ["$$value", f"$$this.{field}"]},
        }
    }


def _decimal(value: Any) -> Decimal:
    return value.to_decimal() if isinstance(value, Decimal128) else Decimal(value)


class EnterpriseRecordRepository:
    """Reads and writes the enterprise data sets, by kind and USCC."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._collections: dict[str, AsyncCollection[Document]] = {
            kind: database[_collection_name(kind)] for kind in ENTERPRISE_RECORD_KINDS
        }
        self._contributions = database[CONTRIBUTIONS_COLLECTION]

    def _collection(self, kind: str) -> AsyncCollection[Document]:
        try:
            return self._collections[kind]
        except KeyError:
            raise UnknownEnterpriseRecordKind(kind) from None

    async def ensure_indexes(self) -> None:
        """Every lookup is by ``_id`` (always indexed): nothing to create."""

    async def upsert(self, kind: str, data_sets: Iterable[EnterpriseDataSet]) -> int:
        """Insert or replace data sets of ``kind`` by USCC; returns how many changed."""
        operations = [
            UpdateOne(
                {"_id": data.uscc},
                {"$set": {"payload": data.payload, "as_of": data.as_of}},
                upsert=True,
            )
            for data in data_sets
        ]
        if not operations:
            return 0
        result = await self._collection(kind).bulk_write(operations, ordered=False)
        return result.upserted_count + result.modified_count

    async def get(self, kind: str, uscc: str) -> EnterpriseDataSet | None:
        """The data set of ``kind`` about this enterprise, or ``None`` (one ``find``)."""
        doc = await self._collection(kind).find_one({"_id": uscc})
        if doc is None:
            return None
        return EnterpriseDataSet(
            uscc=doc["_id"], payload=doc.get("payload"), as_of=doc.get("as_of")
        )

    async def upsert_contribution_rolls(
        self, uscc: str, rolls: Sequence[ContributionRoll], as_of: datetime
    ) -> None:
        """Replace an enterprise's published contribution rolls (oldest month first)."""
        months = [
            {
                "month": roll.month,
                "employees": [
                    {
                        "name": line.name,
                        "id_number": line.id_number,
                        "base": Decimal128(line.base),
                        "employer": Decimal128(line.employer),
                        "personal": Decimal128(line.personal),
                    }
                    for line in roll.employees
                ],
            }
            for roll in rolls
        ]
        await self._contributions.update_one(
            {"_id": uscc}, {"$set": {"months": months, "as_of": as_of}}, upsert=True
        )

    async def contribution_totals(
        self, uscc: str, *, months: int = 12
    ) -> ContributionTotals | None:
        """Headcount and totals of the last ``months`` months, computed in the database.

        ``None`` when the bureau publishes nothing for the enterprise.
        """
        last = max(1, min(months, MAX_MONTHS))
        pipeline: list[Document] = [
            {"$match": {"_id": uscc}},
            {
                "$project": {
                    "as_of": 1,
                    "months": {
                        "$map": {
                            "input": {"$slice": ["$months", -last]},
                            "as": "m",
                            "in": {
                                "month": "$$m.month",
                                "headcount": {"$size": "$$m.employees"},
                                "employer_total": _sum_of("employer"),
                                "personal_total": _sum_of("personal"),
                            },
                        }
                    },
                }
            },
        ]
        cursor = await self._contributions.aggregate(pipeline)
        found = [doc async for doc in cursor]
        if not found:
            return None
        doc = found[0]
        return ContributionTotals(
            uscc=uscc,
            as_of=doc.get("as_of"),
            months=tuple(
                MonthTotals(
                    month=month["month"],
                    headcount=int(month["headcount"]),
                    employer_total=_decimal(month["employer_total"]),
                    personal_total=_decimal(month["personal_total"]),
                )
                for month in doc.get("months") or []
            ),
        )
