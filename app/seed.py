"""Demo data for Zhuzhou: loads idempotently through the domain repositories."""

from __future__ import annotations

from app.demo.departments import DEPARTMENTS
from app.resources import Resources


async def seed(resources: Resources) -> dict[str, int]:
    """Insert or refresh the demo data; returns how many records of each kind exist."""
    await resources.departments.upsert_many(DEPARTMENTS)
    return {"departments": len(DEPARTMENTS)}
