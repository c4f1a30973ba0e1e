"""Demo data for Zhuzhou: loads idempotently through the domain and exchange repositories.

Development and tests only: :func:`seed_settings` refuses any other environment.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.resources import Resources, StartupError, start_resources
from app.services import DirectoryDepartments, build_services
from app.settings import Environment, Settings
from applications.repositories.catalogue import CatalogueRepository
from demo.data.catalogue import BUNDLES, ITEMS
from demo.data.departments import DEPARTMENTS
from demo.data.staff import STAFF
from demo.exchange.stores import DemoExchange, seed_exchange
from demo.providers import demo_providers
from directory.repository import DepartmentRepository
from directory.service import DirectoryService
from identity.models import Gender, RealName
from identity.repositories.accounts import AccountRepository
from identity.repositories.role_grants import RoleGrantRepository
from identity.repositories.sign_in_marks import SignInMarks
from identity.wiring import officer_service
from kit.registry import ServiceRegistry
from wallet.loading import LicenceSourceLoader

DEMO_SEED = "demo-seed"
"""The actor the audit records for the demo staff's grants."""

SEEDED_ENVIRONMENTS = frozenset({Environment.DEVELOPMENT, Environment.TEST})


class SeedRefused(StartupError):
    """The demo data is never loaded outside development and tests."""


async def seed(resources: Resources) -> dict[str, int]:
    """Insert or refresh the demo data; returns how many records of each kind exist.

    The registers and data sets go into the app's database only with
    ``SZ_EXCHANGE_PROVIDER=embedded``; otherwise the demo exchange service holds (and
    seeds) them in its own database.
    """
    await DepartmentRepository(resources.database).upsert_many(DEPARTMENTS)
    catalogue = CatalogueRepository(resources.database)
    await catalogue.upsert_items(ITEMS)
    await catalogue.upsert_bundles(BUNDLES)
    counts = {
        "departments": len(DEPARTMENTS),
        "service_items": len(ITEMS),
        "bundles": len(BUNDLES),
    }
    if resources.settings.exchange_provider == "embedded":
        counts |= await seed_exchange(DemoExchange.over(resources.database))
    await seed_staff(resources)
    return counts | {"staff_roles": len(STAFF)}


async def seed_staff(resources: Resources) -> None:
    """Sign the demo staff up, bind their real names, and grant their roles (idempotent)."""
    database, keys = resources.database, resources.keys
    marks = SignInMarks(resources.redis, prefix=resources.settings.redis_key_prefix)
    accounts = AccountRepository(database, keys.field_cipher, keys.lookup, marks=marks)
    await accounts.ensure_indexes()
    await RoleGrantRepository(database).ensure_indexes()
    directory = DirectoryDepartments(DirectoryService(DepartmentRepository(database)))
    officers = officer_service(database, keys, directory, marks)
    now = datetime.now(UTC)
    for staff in STAFF:
        resident = staff.resident
        assert resident.phone is not None
        account = await accounts.get_or_create_by_phone(f"+86{resident.phone}", now)
        real_name = RealName(
            name=resident.name,
            id_number=resident.id_number,
            birth_date=resident.birth_date,
            gender=Gender(resident.gender.value),
            verified_at=now,
        )
        # Already bound on a second run: nothing changes.
        await accounts.bind_real_name(account.id, real_name, keys.lookup.digest(resident.id_number))
        await officers.grant_as_operator(
            resident.phone, staff.role, staff.department_code, actor=DEMO_SEED
        )


async def seed_wallet(services: ServiceRegistry) -> int:
    """Load the demo departments' licences into the wallet (idempotent); how many it holds.

    Goes through the app's own services (``services``: the registry the app runs, wired
    with :func:`demo.providers.demo_providers`), so the licences are sealed with the
    very keys the app publishes. The demo citizens with a phone get their account here,
    as on their first sign-in, to hold their licences.
    """
    reports = await services.get(LicenceSourceLoader).load_all()
    return sum(report.issued + report.already_issued for report in reports)


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
        counts = await seed(resources)
        services = build_services(resources, demo_providers(resources))
        for repository in resources.repositories:
            await repository.ensure_indexes()
        return counts | {"wallet_licences": await seed_wallet(services)}
    finally:
        await resources.close()
