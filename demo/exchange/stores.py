"""The demo exchange's stores over one database, and its demo data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from demo.exchange.enterprise_records import EnterpriseRecordRepository
from demo.exchange.records import DepartmentRecordRepository
from demo.exchange.repository import RegisterRepository
from kit.wiring import HasIndexes


@dataclass(frozen=True, slots=True)
class DemoExchange:
    """The demo exchange's stores: the registers and the departments' data sets."""

    registers: RegisterRepository
    department_records: DepartmentRecordRepository
    enterprise_records: EnterpriseRecordRepository

    @classmethod
    def over(cls, database: AsyncDatabase[dict[str, Any]]) -> DemoExchange:
        """The exchange's collections in ``database`` (the exchange's own, or with
        ``SZ_EXCHANGE_PROVIDER=embedded`` the app's)."""
        return cls(
            RegisterRepository(database),
            DepartmentRecordRepository(database),
            EnterpriseRecordRepository(database),
        )

    @property
    def repositories(self) -> Sequence[HasIndexes]:
        """Each store, for index creation."""
        return [self.registers, self.department_records, self.enterprise_records]

    async def ensure_indexes(self) -> None:
        """Create the exchange's indexes (idempotent)."""
        for repository in self.repositories:
            await repository.ensure_indexes()


async def seed_exchange(exchange: DemoExchange) -> dict[str, int]:
    """Load the demo registers and data sets (idempotent); how many of each there are."""
    from demo.data.enterprise_records import seed_enterprise_records
    from demo.data.enterprises import ENTERPRISES
    from demo.data.liferecord import city_today, exchange_records
    from demo.data.people import RESIDENTS

    await exchange.ensure_indexes()
    await exchange.registers.upsert_residents(RESIDENTS)
    await exchange.registers.upsert_entities(ENTERPRISES)
    # The life-record data sets follow the calendar: the same all day, current next day.
    department_records = exchange_records(city_today())
    for kind, records in department_records.items():
        await exchange.department_records.upsert(kind, records)
    enterprise_data_sets = await seed_enterprise_records(exchange.enterprise_records, city_today())
    return {
        "residents": len(RESIDENTS),
        "legal_entities": len(ENTERPRISES),
        "life_record_sections": sum(map(len, department_records.values())),
        "enterprise_data_sets": enterprise_data_sets,
    }
