"""Fictional departments' data about the demo enterprises, as the exchange shares it.

Tax credit ratings and utility accounts are published per enterprise with provenance
(their licences are the licence wallet's, see ``demo.data.wallet``). The social
insurance bureau publishes monthly contribution rolls, one line per employee: the demo
citizens who work there (the same jobs as in their own life records, see
``demo.data.liferecord``) and a few fictional colleagues who are not app users.
Enterprises are only ever shown the totals.

Like the citizens' data, everything is a pure function of ``today`` (the city's date).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from demo.data.enterprises import ENTERPRISES
from demo.data.liferecord.accounts import PENSION, UNEMPLOYMENT
from demo.data.liferecord.profiles import CITY_TIME, Month, profiles
from demo.data.people import resident_id_number
from demo.exchange.enterprise_records import (
    ContributionRoll,
    EmployeeContribution,
    EnterpriseDataSet,
    EnterpriseRecordRepository,
)
from demo.exchange.models import EntityStatus, Gender, LegalEntityRecord

RAIL, APPAREL, CERAMICS, AERO, SOFTWARE, NOODLES, HARDWARE = ENTERPRISES
assert "米粉" in NOODLES.name.zh
assert HARDWARE.status is EntityStatus.DEREGISTERED

SCJG, ZJ, SW = "430200-SCJG", "430200-ZJ", "430200-SW"
UTILITY_SOURCES = {"water": "430200-WATER", "power": "430200-POWER", "gas": "430200-GAS"}
CENT = Decimal("0.01")
ROLL_MONTHS = 6
WORK_INJURY_RATE = Decimal("0.004")


def _at(day: date, hour: int = 2) -> datetime:
    """City wall-clock time as a UTC instant."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=CITY_TIME).astimezone(UTC)


def _yuan(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def _provenance(source: str, as_of: datetime) -> dict[str, Any]:
    return {"source": source, "as_of": as_of.isoformat(), "verified": True}


def _rng(entity: LegalEntityRecord, purpose: str) -> random.Random:
    # Demo values, not secrets: a seeded generator keeps them the same on every run.
    return random.Random(f"{entity.uscc}:{purpose}")  # noqa: S311


# --- business scopes (on the business licences, see demo.data.wallet) -----------------


SCOPES = {
    RAIL.uscc: "轨道交通装备技术开发、技术服务；机电设备销售（演示）",
    APPAREL.uscc: "服装、服饰批发与零售（演示）",
    CERAMICS.uscc: "日用陶瓷制品制造与销售（演示）",
    AERO.uscc: "航空发动机零部件研发、制造（演示）",
    SOFTWARE.uscc: "软件开发；信息技术咨询服务（演示）",
    NOODLES.uscc: "餐饮服务（演示）",
}


# --- tax credit ---------------------------------------------------------------------


RATINGS = {  # newest first
    RAIL.uscc: ("A", "A", "B"),
    APPAREL.uscc: ("B", "B", "M"),
    CERAMICS.uscc: ("A", "M"),
    AERO.uscc: ("A", "A", "A"),
    SOFTWARE.uscc: ("M",),
    HARDWARE.uscc: ("C",),
}


def _tax_credit(entity: LegalEntityRecord, today: date) -> dict[str, Any] | None:
    ratings = RATINGS.get(entity.uscc)
    if ratings is None:  # individual businesses are not rated
        return None
    # The bureau publishes last year's ratings in April.
    latest = today.year - 1 if today.month >= 5 else today.year - 2
    if entity.status is not EntityStatus.ACTIVE:
        latest = min(latest, 2019)
    return {
        "ratings": [
            {"year": latest - back, "rating": rating} for back, rating in enumerate(ratings)
        ],
        "provenance": _provenance(SW, _at(date(latest + 1, 4, 20))),
    }


# --- utilities ----------------------------------------------------------------------


UTILITIES = {
    RAIL.uscc: ("power", "water"),
    APPAREL.uscc: ("power",),
    CERAMICS.uscc: ("power", "gas", "water"),
    AERO.uscc: ("power", "water"),
    SOFTWARE.uscc: ("power",),
    NOODLES.uscc: ("gas", "water", "power"),
}
PREFIXES = {"water": "0731", "power": "0702", "gas": "0733"}


def _utilities(entity: LegalEntityRecord, today: date) -> dict[str, Any] | None:
    kinds = UTILITIES.get(entity.uscc)
    if kinds is None:
        return None
    rng = _rng(entity, "utilities")
    last_month = Month.of(today).shift(-1)
    accounts = []
    for kind in kinds:
        amount = _yuan(Decimal(rng.randint(30_000, 2_000_000)) / 100)
        unpaid = entity is NOODLES and kind == "gas"
        accounts.append(
            {
                "kind": kind,
                "account_number": PREFIXES[kind] + f"{rng.randint(0, 99_999_999):08d}",
                "address_zh": entity.address.zh,
                "arrears": str(amount if unpaid else Decimal("0.00")),
                "last_bill_month": str(last_month),
                "last_bill_amount": str(amount),
                "provenance": _provenance(UTILITY_SOURCES[kind], _at(today - timedelta(days=1))),
            }
        )
    return {"accounts": accounts}


# --- social insurance ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Colleague:
    """A fictional employee who is not a demo citizen (no app account)."""

    name: str
    id_number: str
    base: Decimal


def _colleagues(entity: LegalEntityRecord) -> list[Colleague]:
    count = {RAIL.uscc: 5, APPAREL.uscc: 2, CERAMICS.uscc: 4, AERO.uscc: 3}.get(entity.uscc, 0)
    rng = _rng(entity, "colleagues")
    surnames, given = "王李张刘陈杨黄赵周吴", "建华明丽军芳伟静强敏磊艳"
    return [
        Colleague(
            name=rng.choice(surnames) + rng.choice(given) + rng.choice(given),
            id_number=resident_id_number(
                entity.uscc[2:8] if entity.uscc[2:8] != "430200" else "430203",
                date(rng.randint(1970, 2000), rng.randint(1, 12), rng.randint(1, 28)),
                rng.randint(10, 99),
                Gender.MALE if number % 2 else Gender.FEMALE,
            ),
            base=Decimal(rng.randint(40, 150) * 100),
        )
        for number in range(count)
    ]


def _line(name: str, id_number: str, base: Decimal, injury_rate: Decimal) -> EmployeeContribution:
    return EmployeeContribution(
        name=name,
        id_number=id_number,
        base=base,
        employer=_yuan(base * (PENSION[1] + UNEMPLOYMENT[1] + injury_rate)),
        personal=_yuan(base * (PENSION[0] + UNEMPLOYMENT[0])),
    )


def contribution_rolls(entity: LegalEntityRecord, today: date) -> list[ContributionRoll]:
    """The enterprise's rolls of the last months, oldest first (none: not an employer)."""
    last = Month.of(today).shift(-1)
    months = [last.shift(-back) for back in reversed(range(ROLL_MONTHS))]
    people = profiles(today)
    colleagues = _colleagues(entity)
    rolls = []
    for month in months:
        lines = []
        for profile in people:
            job = profile.job_in(month)
            if job is not None and job.employer.uscc == entity.uscc:
                resident = profile.resident
                lines.append(
                    _line(resident.name, resident.id_number, job.base, job.work_injury_rate)
                )
        lines += [_line(c.name, c.id_number, c.base, WORK_INJURY_RATE) for c in colleagues]
        rolls.append(ContributionRoll(month=str(month), employees=tuple(lines)))
    if not any(roll.employees for roll in rolls):
        return []
    return rolls


async def seed_enterprise_records(repository: EnterpriseRecordRepository, today: date) -> int:
    """Publish every demo enterprise's data sets; returns how many were published."""
    as_of = _at(today - timedelta(days=1))
    published = 0
    for kind, build in (
        ("tax_credit", _tax_credit),
        ("utilities", _utilities),
    ):
        data_sets = []
        for entity in ENTERPRISES:
            if entity.status is not EntityStatus.ACTIVE and kind != "tax_credit":
                continue
            payload = build(entity, today)
            if payload is not None:
                data_sets.append(EnterpriseDataSet(uscc=entity.uscc, payload=payload, as_of=as_of))
        await repository.upsert(kind, data_sets)
        published += len(data_sets)
    published_on = _at(Month.of(today).shift(-1).day(20))
    for entity in ENTERPRISES:
        rolls = contribution_rolls(entity, today)
        if rolls:
            await repository.upsert_contribution_rolls(entity.uscc, rolls, published_on)
            published += 1
    return published
