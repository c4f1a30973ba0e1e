"""Demo data for Zhuzhou: loads idempotently through the domain and exchange repositories.

Development and tests only: :func:`seed_settings` refuses any other environment.
"""

from __future__ import annotations

from app.resources import Resources, StartupError, start_resources
from app.settings import Environment, Settings
from applications.repositories.catalogue import CatalogueRepository
from demo.data.catalogue import BUNDLES, ITEMS
from demo.data.departments import DEPARTMENTS
from demo.data.enterprise_records import seed_enterprise_records
from demo.data.enterprises import ENTERPRISES
from demo.data.liferecord import city_today, exchange_records
from demo.data.people import RESIDENTS
from demo.providers import DemoExchange
from directory.repository import DepartmentRepository

SEEDED_ENVIRONMENTS = frozenset({Environment.DEVELOPMENT, Environment.TEST})


class SeedRefused(StartupError):
    """The demo data is never loaded outside development and tests."""


async def seed(resources: Resources) -> dict[str, int]:
    """Insert or refresh the demo data; returns how many records of each kind exist."""
    exchange = DemoExchange.over(resources.database)
    await exchange.ensure_indexes()
    await DepartmentRepository(resources.database).upsert_many(DEPARTMENTS)
    catalogue = CatalogueRepository(resources.database)
    await catalogue.upsert_items(ITEMS)
    await catalogue.upsert_bundles(BUNDLES)
    await exchange.registers.upsert_residents(RESIDENTS)
    await exchange.registers.upsert_entities(ENTERPRISES)
    # The life-record data sets follow the calendar: the same all day, current next day.
    department_records = exchange_records(city_today())
    for kind, records in department_records.items():
        await exchange.department_records.upsert(kind, records)
    enterprise_data_sets = await seed_enterprise_records(exchange.enterprise_records, city_today())
    return {
        "departments": len(DEPARTMENTS),
        "service_items": len(ITEMS),
        "bundles": len(BUNDLES),
        "residents": len(RESIDENTS),
        "legal_entities": len(ENTERPRISES),
        "life_record_sections": sum(map(len, department_records.values())),
        "enterprise_data_sets": enterprise_data_sets,
    }


async def seed_settings(settings: Settings) -> dict[str, int]:
    """Open the clients ``settings`` name, seed, and close them.

    Raises :class:`SeedRefused` outside development and tests (before any server is
    contacted), and :class:`~app.resources.StartupError` when a server does not answer.
    """
    if settings.environment not in SEEDED_ENVIRONMENTS:
        raise SeedRefused(
            f"refusing to seed in {settings.environment.value}: the demo data is for "
            "development and tests only (SZ_ENVIRONMENT=development)"
        )
    resources = await start_resources(settings)
    try:
        return await seed(resources)
    finally:
        await resources.close()
