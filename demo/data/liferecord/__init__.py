"""Fictional life-record data of the demo citizens, as the departments share it.

Every value is made up but shaped like the real thing: contribution rates, the
cumulative withholding of individual income tax, annuity repayments of provident
fund loans, certificate numbers. Hospitals and tariffs are demo ones. The data is a
pure function of ``today`` (the city's date) so the demo always looks current and
seeding twice on the same day changes nothing.

Each payload's provenance names the owning department's directory code; wage income
is declared by employers, so it is the one section not verified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from demo.data.liferecord.accounts import (
    income,
    medical_insurance,
    provident_fund,
    social_insurance,
    utilities,
)
from demo.data.liferecord.profiles import CITY_TIME, Profile, profiles, yesterday_at
from demo.data.liferecord.registrations import household, properties
from demo.exchange.models import DepartmentRecord, ResidentRecord
from kit.provenance import walk
from liferecord.models import Provenance, Record, Section

_BUILDERS: dict[Section, Callable[[Profile, date], Record | None]] = {
    Section.HOUSEHOLD: household,
    Section.SOCIAL_INSURANCE: social_insurance,
    Section.MEDICAL_INSURANCE: medical_insurance,
    Section.PROVIDENT_FUND: provident_fund,
    Section.PROPERTIES: properties,
    Section.UTILITIES: utilities,
    Section.INCOME: income,
}


@dataclass(frozen=True, slots=True)
class DemoSection:
    """One section of one demo citizen's record, as its department publishes it."""

    section: Section
    resident: ResidentRecord
    payload: Record
    as_of: datetime
    """When the department last updated it: the latest provenance inside (for an empty
    answer, such as no property, the night before)."""


def provenances(value: object) -> Iterator[Provenance]:
    """Every provenance inside a payload (or a part of one)."""
    return walk(value, Provenance)


def city_today() -> date:
    """Today's date in Zhuzhou."""
    return datetime.now(CITY_TIME).date()


def life_records(today: date) -> list[DemoSection]:
    """Every demo citizen's sections on ``today`` (sections a department has nothing for
    are left out)."""
    found = []
    for profile in profiles(today):
        for section, build in _BUILDERS.items():
            payload = build(profile, today)
            if payload is not None:
                as_of = max(
                    (provenance.as_of for provenance in provenances(payload)),
                    default=yesterday_at(today, 2),
                )
                found.append(DemoSection(section, profile.resident, payload, as_of))
    return found


def exchange_records(today: date) -> dict[str, list[DepartmentRecord]]:
    """The demo data sets of the exchange on ``today``, by kind (the section's name)."""
    grouped: dict[str, list[DepartmentRecord]] = {section.value: [] for section in _BUILDERS}
    for item in life_records(today):
        grouped[item.section.value].append(
            DepartmentRecord(
                id_number=item.resident.id_number,
                payload=item.payload.model_dump(mode="json"),
                as_of=item.as_of,
            )
        )
    return grouped
