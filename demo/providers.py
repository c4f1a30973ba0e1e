"""The demo's provider wiring: stand-ins over the demo data exchange, injected into the app.

The product wires no register and no department source of its own yet
(``app.services.wire_providers`` refuses to start); the embedded default, the seed
command and the test suite pass this wiring instead::

    create_app(settings, providers=demo_providers)

Every provider here is :class:`~infra.providers.DevelopmentOnly`, so staging and
production still refuse to start with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from app.resources import Resources
from app.services import Providers, configured_carrier_check, configured_vendors
from demo.exchange.enterprise_records import EnterpriseRecordRepository
from demo.exchange.records import DepartmentRecordRepository
from demo.exchange.repository import RegisterRepository
from demo.identity_adapters import (
    DevelopmentCarrierCheck,
    ExchangeLegalEntityRegister,
    ExchangePopulationRegister,
)
from demo.liferecord_adapters import (
    ExchangeEnterpriseDataSets,
    ExchangeEntityRegister,
    demo_sources,
)
from demo.wallet_adapters import demo_licence_sources
from identity.repositories.accounts import AccountRepository
from kit.wiring import HasIndexes


@dataclass(frozen=True, slots=True)
class DemoExchange:
    """The demo exchange's stores: the registers and the departments' data sets."""

    registers: RegisterRepository
    department_records: DepartmentRecordRepository
    enterprise_records: EnterpriseRecordRepository

    @classmethod
    def over(cls, database: AsyncDatabase[dict[str, Any]]) -> DemoExchange:
        """The exchange's collections in ``database`` (the app's own, in the demo)."""
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


def demo_providers(resources: Resources) -> Providers:
    """Every provider slot wired with its development or demo stand-in.

    The vendors' stand-ins are the product's own (``app.services.development_vendors``);
    registers and the departments' data read the demo exchange seeded into the app's
    database, whose indexes the app then creates with its own.
    """
    exchange = DemoExchange.over(resources.database)
    resources.repositories.extend(exchange.repositories)
    vendors = configured_vendors(resources)
    return Providers(
        sms=vendors.sms,
        liveness=vendors.liveness,
        mini_program=vendors.mini_program,
        population_register=ExchangePopulationRegister(exchange.registers),
        carrier_check=configured_carrier_check(resources)
        or DevelopmentCarrierCheck(exchange.registers),
        legal_entity_register=ExchangeLegalEntityRegister(exchange.registers),
        life_record_sources=demo_sources(exchange.department_records),
        enterprise_register=ExchangeEntityRegister(exchange.registers),
        enterprise_data_sets=ExchangeEnterpriseDataSets(exchange.enterprise_records),
        licence_sources=demo_licence_sources(
            AccountRepository(
                resources.database, resources.keys.field_cipher, resources.keys.lookup
            )
        ),
    )
