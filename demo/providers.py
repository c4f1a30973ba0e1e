"""The demo's provider wiring: stand-ins over the demo data exchange, injected into the app.

The product wires no department licence source of its own yet
(``app.services.wire_providers`` refuses to start); the embedded default, the seed
command and the test suite pass this wiring instead::

    create_app(settings, providers=demo_providers)

With ``SZ_EXCHANGE_PROVIDER=http`` (the embedded default's) the registers and data sets
are the product's own adapters over the demo exchange *service*; with ``embedded`` (most
tests: no process to seed) the demo's adapters over copies in the app's database. The
vendors' and licences' stand-ins are :class:`~infra.providers.DevelopmentOnly`, so
staging and production still refuse to start with this wiring.
"""

from __future__ import annotations

from app.exchange import exchange_adapters
from app.resources import Resources
from app.services import Providers, configured_carrier_check, configured_vendors
from demo.exchange.stores import DemoExchange
from demo.identity_adapters import (
    DevelopmentCarrierCheck,
    ExchangeLegalEntityRegister,
    ExchangePopulationRegister,
    ExchangeResidents,
)
from demo.liferecord_adapters import (
    ExchangeEnterpriseDataSets,
    ExchangeEntityRegister,
    correctable_exchange_sources,
    demo_sources,
)
from demo.wallet_adapters import demo_licence_sources
from identity.repositories.accounts import AccountRepository
from identity.repositories.sign_in_marks import SignInMarks

__all__ = ["DemoExchange", "demo_providers"]


def demo_providers(resources: Resources) -> Providers:
    """Every provider slot wired with its development or demo stand-in.

    The vendors' stand-ins are the product's own (``app.services.development_vendors``);
    registers and the departments' data read the demo exchange seeded into the app's
    database, whose indexes the app then creates with its own.
    """
    vendors = configured_vendors(resources)
    licences = demo_licence_sources(
        AccountRepository(
            resources.database,
            resources.keys.field_cipher,
            resources.keys.lookup,
            marks=SignInMarks(resources.redis, prefix=resources.settings.redis_key_prefix),
        )
    )
    over_http = exchange_adapters(resources)
    if over_http is not None:
        # The demo exchange runs as its own service: nothing of it in the app's database.
        residents = ExchangeResidents(over_http.connection.reader(log_event="demo.exchange"))
        return Providers(
            sms=vendors.sms,
            liveness=vendors.liveness,
            mini_program=vendors.mini_program,
            population_register=over_http.population_register,
            carrier_check=configured_carrier_check(resources) or DevelopmentCarrierCheck(residents),
            legal_entity_register=over_http.legal_entity_register,
            # The product's signed sources, plus the demo's write-back of corrections.
            life_record_sources=correctable_exchange_sources(over_http.connection),
            enterprise_register=over_http.enterprise_register,
            enterprise_data_sets=over_http.enterprise_data_sets,
            licence_sources=licences,
        )
    exchange = DemoExchange.over(resources.database)
    resources.repositories.extend(exchange.repositories)
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
        licence_sources=licences,
    )
