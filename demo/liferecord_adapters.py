"""DEMO: the life record's providers over the demo exchange's data sets and register.

Each section source reads one ``exchange_<section>`` document keyed by the citizen's
resident ID number — one database command per fetch — and validates its payload with
the section's model, so a department that publishes nonsense makes only its own section
unavailable. The enterprise record reads the seeded register of legal entities and the
departments' enterprise data sets the same way.

All of them read demo data seeded into our own database (``SZ_EXCHANGE_PROVIDER=
embedded``): they are :class:`DevelopmentOnly`, and staging and production refuse to
start with them wired. The real adapters read the exchange service over signed HTTP
(``liferecord.adapters.exchange``); :class:`CorrectableExchangeSource` adds the demo's
write-back of corrections to them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from pymongo.errors import PyMongoError

from demo.exchange.enterprise_records import EnterpriseRecordRepository
from demo.exchange.models import LegalEntityRecord
from demo.exchange.records import DepartmentRecordRepository
from demo.exchange.repository import RegisterRepository
from infra.exchange import ExchangeConnection, segment
from infra.providers import DevelopmentOnly
from liferecord.adapters.enterprise import CONTRIBUTION_MONTHS
from liferecord.adapters.exchange import EXCHANGE_SECTIONS
from liferecord.adapters.http import HttpSectionSource
from liferecord.adapters.payloads import validate_payload
from liferecord.adapters.sources import MalformedAnswer, SectionSource, SourceError
from liferecord.models import (
    Citizen,
    ContributionTotals,
    EnterpriseDataSet,
    Record,
    RegisteredEnterprise,
    Section,
)

DEFAULT_TIMEOUT_SECONDS = 2.0


class ExchangeSectionSource(DevelopmentOnly):
    """DEMO: one section read from the seeded copy of its department's data set."""

    label = "demo life-record sources (department data seeded into our own database)"

    def __init__(
        self,
        repository: DepartmentRecordRepository,
        *,
        section: Section,
        department_code: str,
        freshness: timedelta,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.section = section
        self.department_code = department_code
        self.freshness = freshness
        self.timeout_seconds = timeout_seconds
        self._repository = repository

    async def fetch(self, citizen: Citizen) -> Record | None:
        """The section's payload for ``citizen``, ``None`` when the department has none.

        Raises :class:`SourceError` when the exchange cannot be read, and
        :class:`MalformedAnswer` when the stored payload does not match the section's model.
        """
        try:
            record = await self._repository.get(self.section.value, citizen.id_number)
        except PyMongoError as error:
            raise SourceError(f"{self.section.value}: exchange unreachable") from error
        if record is None:
            return None
        return validate_payload(self.section, record.payload)

    async def correct(
        self, citizen: Citizen, steps: Sequence[tuple[str, int | None]], value: str
    ) -> None:
        """DEMO: set one value of the seeded record, as the department would in its system.

        The corrected payload must still fit the section's model (:class:`MalformedAnswer`
        otherwise, with nothing stored).
        """
        record = await self._repository.get(self.section.value, citizen.id_number)
        if record is None:
            raise MalformedAnswer(f"{self.section.value}: no record to correct")
        checked = corrected(self.section, record.payload, steps, value)
        await self._repository.replace_payload(
            self.section.value, citizen.id_number, checked.model_dump(mode="json")
        )


def corrected(
    section: Section, payload: Any, steps: Sequence[tuple[str, int | None]], value: str
) -> Record:
    """``payload`` with the value at ``steps`` set to ``value``, checked against the model.

    Raises :class:`MalformedAnswer` when there is no such field or the result no longer
    fits the section's model.
    """
    payload = copy.deepcopy(payload)
    current: Any = payload
    for number, (name, index) in enumerate(steps):
        last = number == len(steps) - 1
        if not isinstance(current, dict) or name not in current:
            raise MalformedAnswer(f"{section.value}: no such field")
        if index is None:
            if last:
                current[name] = value
            else:
                current = current[name]
            continue
        items = current[name]
        if not isinstance(items, list) or index >= len(items):
            raise MalformedAnswer(f"{section.value}: no such item")
        if last:
            items[index] = value
        else:
            current = items[index]
    return validate_payload(section, payload)


class CorrectableExchangeSource(HttpSectionSource, DevelopmentOnly):
    """DEMO: a section on the demo exchange service that also takes corrections.

    Reading is the product's signed HTTP source; a dispute's correction is written back
    with a signed ``PUT`` of the corrected payload, which only the demo exchange offers
    (a real department corrects in its own system).
    """

    label = "demo corrections written back to the demo exchange (a department's job)"

    def __init__(self, connection: ExchangeConnection, section: Section) -> None:
        owner = EXCHANGE_SECTIONS[section]
        self._path = f"/v1/residents/{{id_number}}/records/{section.value}"
        super().__init__(
            connection.client,
            section=section,
            department_code=owner.department_code,
            freshness=owner.freshness,
            base_url=connection.base_url,
            path_template=self._path,
            signer=connection.signer,
            timeout_seconds=connection.timeout_seconds,
            max_body_bytes=connection.max_body_bytes,
        )
        self._connection = connection

    async def correct(
        self, citizen: Citizen, steps: Sequence[tuple[str, int | None]], value: str
    ) -> None:
        """Fetch, correct and write back the citizen's data set (:class:`MalformedAnswer`
        when the value does not fit, with nothing written)."""
        record = await self.fetch(citizen)
        if record is None:
            raise MalformedAnswer(f"{self.section.value}: no record to correct")
        checked = corrected(self.section, record.model_dump(mode="json"), steps, value)
        path = self._path.format(id_number=segment(citizen.id_number))
        body = json.dumps(checked.model_dump(mode="json")).encode()
        headers = dict(self._connection.signer.headers("PUT", path, body))
        try:
            answer = await self._connection.client.put(
                f"{self._connection.base_url.rstrip('/')}{path}",
                content=body,
                headers=headers | {"Content-Type": "application/json"},
                timeout=self._connection.timeout_seconds,
            )
        except httpx.HTTPError as error:
            raise SourceError(f"{self.section.value}: correction not sent") from error
        if answer.status_code != 204:
            raise SourceError(f"{self.section.value}: correction refused ({answer.status_code})")


def correctable_exchange_sources(connection: ExchangeConnection) -> dict[Section, SectionSource]:
    """The demo's sections over the demo exchange service, corrections included."""
    return {
        section: CorrectableExchangeSource(connection, section) for section in EXCHANGE_SECTIONS
    }


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """Who owns a section's data and how long a fetched copy counts as current."""

    department_code: str
    freshness: timedelta


DEMO_SOURCES: dict[Section, SourceSettings] = {
    Section.HOUSEHOLD: SourceSettings("430200-GA", timedelta(days=1)),
    Section.SOCIAL_INSURANCE: SourceSettings("430200-RS", timedelta(hours=6)),
    Section.MEDICAL_INSURANCE: SourceSettings("430200-YB", timedelta(hours=1)),
    Section.PROVIDENT_FUND: SourceSettings("430200-GJJ", timedelta(hours=1)),
    Section.PROPERTIES: SourceSettings("430200-ZRZY", timedelta(days=1)),
    # The exchange merges the water, power and gas companies' feeds into one data set;
    # each account's provenance names its company (disputes about a bill go there).
    Section.UTILITIES: SourceSettings("430200-XZSP", timedelta(hours=1)),
    Section.INCOME: SourceSettings("430200-SW", timedelta(days=1)),
}
"""Owning department and freshness of each section's demo source (the licences section
is the licence wallet's, wired by the app itself)."""


def demo_sources(
    repository: DepartmentRecordRepository, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> dict[Section, SectionSource]:
    """One exchange source per section, as the embedded default and the demo run them."""
    return {
        section: ExchangeSectionSource(
            repository,
            section=section,
            department_code=settings.department_code,
            freshness=settings.freshness,
            timeout_seconds=timeout_seconds,
        )
        for section, settings in DEMO_SOURCES.items()
    }


def registered(entity: LegalEntityRecord) -> RegisteredEnterprise:
    """The life record's view of an entry of the exchange's register of legal entities."""
    return RegisteredEnterprise(
        uscc=entity.uscc,
        name=entity.name,
        entity_type=entity.entity_type.value,
        status=entity.status.value,
        established_on=entity.established_on,
        address=entity.address,
        registered_capital=entity.registered_capital,
    )


class ExchangeEntityRegister(DevelopmentOnly):
    """DEMO: the enterprise record's register of legal entities, as seeded."""

    label = "demo register of legal entities for the enterprise record (seeded data)"

    def __init__(self, registers: RegisterRepository) -> None:
        self._registers = registers

    async def entity_by_uscc(self, uscc: str) -> RegisteredEnterprise | None:
        """The seeded entity with this code, or ``None``."""
        entity = await self._registers.entity_by_uscc(uscc)
        return None if entity is None else registered(entity)


class ExchangeEnterpriseDataSets(DevelopmentOnly):
    """DEMO: the departments' data sets about enterprises, as seeded."""

    label = "demo enterprise data sets (tax, social insurance, utilities; seeded)"

    def __init__(self, records: EnterpriseRecordRepository) -> None:
        self._records = records

    async def get(self, kind: str, uscc: str) -> EnterpriseDataSet | None:
        """One department's seeded data set about the enterprise, or ``None``."""
        found = await self._records.get(kind, uscc)
        return None if found is None else EnterpriseDataSet(found.uscc, found.payload, found.as_of)

    async def contribution_totals(
        self, uscc: str, *, months: int = CONTRIBUTION_MONTHS
    ) -> ContributionTotals | None:
        """Monthly contribution totals, computed where the seeded rolls are kept."""
        # The exchange computes them as the life record's own records.
        return await self._records.contribution_totals(uscc, months=months)
