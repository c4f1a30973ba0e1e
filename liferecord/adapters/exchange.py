"""The life record's sources on the data-sharing exchange, over HTTP.

Each section is one department's data set, ``GET /v1/residents/{id_number}/records/{kind}``
through :class:`~liferecord.adapters.http.HttpSectionSource` signed with the exchange
client's credential; the enterprise record reads the register of legal entities and the
departments' enterprise data sets the same way (:mod:`infra.exchange`). A failure of
any of them is a :class:`~liferecord.adapters.sources.SourceError`, so only that
section or part answers "source unavailable".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from infra.exchange import ExchangeConnection, ExchangeReader, segment
from infra.http_get import GetFailed
from kit.text import Localized
from liferecord.adapters.enterprise import CONTRIBUTION_MONTHS
from liferecord.adapters.http import HttpSectionSource, source_error
from liferecord.adapters.sources import MalformedAnswer, SectionSource
from liferecord.models import (
    ContributionTotals,
    EnterpriseDataSet,
    MonthTotals,
    RegisteredEnterprise,
    Section,
)

logger = logging.getLogger("liferecord.adapters.exchange")


@dataclass(frozen=True, slots=True)
class SectionOwner:
    """Who owns a section's data and how long a fetched copy counts as current."""

    department_code: str
    freshness: timedelta


EXCHANGE_SECTIONS: dict[Section, SectionOwner] = {
    Section.HOUSEHOLD: SectionOwner("430200-GA", timedelta(days=1)),
    Section.SOCIAL_INSURANCE: SectionOwner("430200-RS", timedelta(hours=6)),
    Section.MEDICAL_INSURANCE: SectionOwner("430200-YB", timedelta(hours=1)),
    Section.PROVIDENT_FUND: SectionOwner("430200-GJJ", timedelta(hours=1)),
    Section.PROPERTIES: SectionOwner("430200-ZRZY", timedelta(days=1)),
    # The exchange merges the water, power and gas companies' feeds into one data set;
    # each account's provenance names its company (disputes about a bill go there).
    Section.UTILITIES: SectionOwner("430200-XZSP", timedelta(hours=1)),
    Section.INCOME: SectionOwner("430200-SW", timedelta(days=1)),
}
"""Owning department and freshness of each section on the exchange (the licences
section is the licence wallet's, wired by the app itself)."""


def exchange_sources(connection: ExchangeConnection) -> dict[Section, SectionSource]:
    """One signed HTTP source per section the exchange carries."""
    return {
        section: HttpSectionSource(
            connection.client,
            section=section,
            department_code=owner.department_code,
            freshness=owner.freshness,
            base_url=connection.base_url,
            path_template=f"/v1/residents/{{id_number}}/records/{section.value}",
            signer=connection.signer,
            timeout_seconds=connection.timeout_seconds,
            max_body_bytes=connection.max_body_bytes,
        )
        for section, owner in EXCHANGE_SECTIONS.items()
    }


def _localized(doc: Any) -> Localized:
    return Localized(zh=str(doc["zh"]), en=str(doc["en"]))


def _when(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class ExchangeEntityRegister:
    """The enterprise record's register of legal entities, on the exchange."""

    def __init__(self, connection: ExchangeConnection) -> None:
        self._reader: ExchangeReader = connection.reader(
            log=logger, log_event="liferecord.exchange"
        )

    async def entity_by_uscc(self, uscc: str) -> RegisteredEnterprise | None:
        """The registered enterprise, or ``None``; :class:`SourceError` on failure."""
        try:
            doc = await self._reader.document(f"/v1/legal-entities/{segment(uscc)}")
            if doc is None:
                return None
            capital = doc.get("registered_capital")
            return RegisteredEnterprise(
                uscc=str(doc["uscc"]),
                name=_localized(doc["name"]),
                entity_type=str(doc["entity_type"]),
                status=str(doc["status"]),
                established_on=date.fromisoformat(doc["established_on"]),
                address=_localized(doc["address"]),
                registered_capital=None if capital is None else Decimal(str(capital)),
            )
        except GetFailed as failure:
            raise source_error("registration", failure) from None
        except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError):
            raise MalformedAnswer("registration: not a register entry") from None


class ExchangeEnterpriseDataSets:
    """The departments' data sets about enterprises, on the exchange."""

    def __init__(self, connection: ExchangeConnection) -> None:
        self._reader: ExchangeReader = connection.reader(
            log=logger, log_event="liferecord.exchange"
        )

    async def get(self, kind: str, uscc: str) -> EnterpriseDataSet | None:
        """One department's data set about the enterprise, or ``None``."""
        try:
            doc = await self._reader.document(
                f"/v1/enterprises/{segment(uscc)}/records/{segment(kind)}"
            )
            if doc is None:
                return None
            return EnterpriseDataSet(uscc, doc["payload"], _when(doc.get("as_of")))
        except GetFailed as failure:
            raise source_error(kind, failure) from None
        except (AttributeError, KeyError, TypeError, ValueError):
            raise MalformedAnswer(f"{kind}: not a data set") from None

    async def contribution_totals(
        self, uscc: str, *, months: int = CONTRIBUTION_MONTHS
    ) -> ContributionTotals | None:
        """Monthly contribution totals, computed by the exchange (no employee named)."""
        try:
            doc = await self._reader.document(
                f"/v1/enterprises/{segment(uscc)}/contribution-totals",
                params={"months": str(months)},
            )
            if doc is None:
                return None
            return ContributionTotals(
                uscc=uscc,
                as_of=_when(doc.get("as_of")),
                months=tuple(
                    MonthTotals(
                        month=str(month["month"]),
                        headcount=int(month["headcount"]),
                        employer_total=Decimal(str(month["employer_total"])),
                        personal_total=Decimal(str(month["personal_total"])),
                    )
                    for month in doc["months"]
                ),
            )
        except GetFailed as failure:
            raise source_error("social_insurance", failure) from None
        except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError):
            raise MalformedAnswer("social_insurance: not contribution totals") from None
