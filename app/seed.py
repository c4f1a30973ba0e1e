"""Demo data for Zhuzhou: loads idempotently through the domain repositories."""

from __future__ import annotations

from app.demo.departments import DEPARTMENTS
from app.demo.enterprises import ENTERPRISES
from app.demo.people import RESIDENTS
from app.resources import Resources


async def seed(resources: Resources) -> dict[str, int]:
    """Insert or refresh the demo data; returns how many records of each kind exist."""
    await resources.departments.upsert_many(DEPARTMENTS)
    await resources.registers.upsert_residents(RESIDENTS)
    await resources.registers.upsert_entities(ENTERPRISES)
    return {
        "departments": len(DEPARTMENTS),
        "residents": len(RESIDENTS),
        "legal_entities": len(ENTERPRISES),
    }
