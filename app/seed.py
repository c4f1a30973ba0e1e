"""Demo data for Zhuzhou: loads idempotently through the domain repositories."""

from __future__ import annotations

from app.demo.departments import DEPARTMENTS
from app.demo.enterprise_records import seed_enterprise_records
from app.demo.enterprises import ENTERPRISES
from app.demo.liferecord import city_today, exchange_records
from app.demo.people import RESIDENTS
from app.resources import Resources


async def seed(resources: Resources) -> dict[str, int]:
    """Insert or refresh the demo data; returns how many records of each kind exist."""
    await resources.departments.upsert_many(DEPARTMENTS)
    await resources.registers.upsert_residents(RESIDENTS)
    await resources.registers.upsert_entities(ENTERPRISES)
    # The life-record data sets follow the calendar: the same all day, current next day.
    department_records = exchange_records(city_today())
    for kind, records in department_records.items():
        await resources.department_records.upsert(kind, records)
    enterprise_data_sets = await seed_enterprise_records(resources.enterprise_records, city_today())
    return {
        "departments": len(DEPARTMENTS),
        "residents": len(RESIDENTS),
        "legal_entities": len(ENTERPRISES),
        "life_record_sections": sum(map(len, department_records.values())),
        "enterprise_data_sets": enterprise_data_sets,
    }
