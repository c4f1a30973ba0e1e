"""Wires the data-sharing exchange's adapters from the settings (``SZ_EXCHANGE_*``).

With ``SZ_EXCHANGE_PROVIDER=http`` the registers and the departments' data sets are
read from the exchange service over signed HTTP (:mod:`infra.exchange`); the API's
database then holds none of them. ``embedded`` wires nothing here: only the demo has
adapters for it (``demo.providers``), and staging and production refuse those.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from app.resources import Resources, StartupError
from app.settings import EXCHANGE_URL_PLACEHOLDER, Settings
from identity.adapters.exchange import ExchangeLegalEntityRegister, ExchangePopulationRegister
from infra.exchange import ExchangeConnection
from infra.exchange_signing import ExchangeSigner, UnreadableClientKey, read_client_key
from liferecord.adapters.enterprise import EnterpriseDataSets, EntityRegister
from liferecord.adapters.exchange import (
    ExchangeEnterpriseDataSets,
    ExchangeEntityRegister,
    exchange_sources,
)
from liferecord.adapters.sources import SectionSource
from liferecord.models import Section

EXCHANGE_SLOTS = frozenset(
    {
        "population_register",
        "legal_entity_register",
        "life_record_sources",
        "enterprise_register",
        "enterprise_data_sets",
    }
)
"""The provider slots the exchange fills."""


@dataclass(frozen=True, slots=True)
class ExchangeAdapters:
    """Every adapter over the exchange, one per provider slot it fills."""

    connection: ExchangeConnection
    population_register: ExchangePopulationRegister
    legal_entity_register: ExchangeLegalEntityRegister
    life_record_sources: Mapping[Section, SectionSource]
    enterprise_register: EntityRegister
    enterprise_data_sets: EnterpriseDataSets


def exchange_signer(settings: Settings) -> ExchangeSigner:
    """Our client credential at the exchange; :class:`StartupError` when it is unusable."""
    if settings.exchange_client_key_file is None:
        raise StartupError("SZ_EXCHANGE_PROVIDER=http needs SZ_EXCHANGE_CLIENT_KEY_FILE")
    if settings.is_production_like and settings.exchange_url == EXCHANGE_URL_PLACEHOLDER:
        raise StartupError("SZ_EXCHANGE_URL is the placeholder: name the province's exchange")
    try:
        key = read_client_key(settings.exchange_client_key_file)
    except UnreadableClientKey as error:
        raise StartupError(f"SZ_EXCHANGE_CLIENT_KEY_FILE {error}") from None
    return ExchangeSigner(settings.exchange_client_id, key)


def exchange_adapters(resources: Resources) -> ExchangeAdapters | None:
    """The adapters over the exchange service when ``SZ_EXCHANGE_PROVIDER=http``, else ``None``.

    Raises :class:`StartupError` when the credential is missing or unreadable. The HTTP
    client is closed with the other clients.
    """
    settings = resources.settings
    if settings.exchange_provider != "http":
        return None
    signer = exchange_signer(settings)
    client = httpx.AsyncClient(follow_redirects=False)
    resources.closers.append(client.aclose)
    connection = ExchangeConnection(
        client=client,
        base_url=settings.exchange_url,
        signer=signer,
        timeout_seconds=settings.exchange_timeout_seconds,
    )
    identity_reader = connection.reader(log_event="identity.exchange")
    return ExchangeAdapters(
        connection=connection,
        population_register=ExchangePopulationRegister(identity_reader),
        legal_entity_register=ExchangeLegalEntityRegister(identity_reader),
        life_record_sources=exchange_sources(connection),
        enterprise_register=ExchangeEntityRegister(connection),
        enterprise_data_sets=ExchangeEnterpriseDataSets(connection),
    )
