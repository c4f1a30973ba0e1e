"""What the departments know about each demo citizen, and the calendar and money helpers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from demo.data.enterprises import ENTERPRISES
from demo.data.people import (
    CHEN_SIYU,
    DENG_WEIDONG,
    LI_XIAOYAN,
    LIU_JIANJUN,
    LUO_HAITAO,
    PENG_LIHUA,
    TAN_ZHIQIANG,
    TANG_YAQIN,
    WANG_HAORAN,
    YI_WENBIN,
    ZENG_ZIXUAN,
    ZHOU_TING,
)
from demo.exchange.models import LegalEntityRecord, ResidentRecord

CITY_TIME = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
# Demo contribution bounds, shaped like Hunan's (not the official figures).
BASE_FLOOR, BASE_CEILING = Decimal(4000), Decimal(20000)
CHILDRENS_HOSPITAL = "株洲市示范妇幼保健院（演示）"


def _employer(name_part: str) -> LegalEntityRecord:
    return next(entity for entity in ENTERPRISES if name_part in entity.name.zh)


RAIL, APPAREL, CERAMICS, AERO, SOFTWARE = map(
    _employer, ("轨道科技", "服饰", "陶瓷", "航空动力", "软件开发")
)


class Month(NamedTuple):
    """A calendar month."""

    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        """The month ``day`` falls in."""
        return cls(day.year, day.month)

    def shift(self, months: int) -> Month:
        """The month ``months`` later (earlier when negative)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def day(self, number: int) -> date:
        """The ``number``-th day of this month."""
        return date(self.year, self.month, number)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_ending(last: Month, count: int) -> list[Month]:
    """The ``count`` months up to and including ``last``, oldest first."""
    return [last.shift(-back) for back in reversed(range(count))]


def months_between(first: Month, last: Month) -> int:
    """How many months from ``first`` to ``last``, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def city_instant(day: date, hour: int, minute: int = 0) -> datetime:
    """City wall-clock time as a UTC instant."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CITY_TIME).astimezone(UTC)


def yesterday_at(today: date, hour: int, minute: int = 0) -> datetime:
    """Yesterday's city wall-clock time as a UTC instant (the nightly feeds' time)."""
    return city_instant(today - timedelta(days=1), hour, minute)


def yuan(amount: Decimal | float) -> Decimal:
    """``amount`` rounded to the fen."""
    return Decimal(amount).quantize(CENT, ROUND_HALF_UP)


def demo_random(resident: ResidentRecord, purpose: str) -> random.Random:
    """A generator of demo values, the same on every run for this resident and purpose."""
    # Demo values, not secrets: a seeded generator keeps them the same on every run.
    return random.Random(f"{resident.id_number}:{purpose}")  # noqa: S311


def mask(number: str, keep_start: int = 4, keep_end: int = 4) -> str:
    """``number`` with all but its first and last few characters starred."""
    return number[:keep_start] + "*" * (len(number) - keep_start - keep_end) + number[-keep_end:]


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_on(resident: ResidentRecord, day: date) -> int:
    """The resident's age in whole years on ``day``."""
    born = resident.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class Job:
    """Employment: the employer declares the wage and pays the contributions."""

    employer: LegalEntityRecord
    wage: Decimal
    since: Month
    until: Month | None = None
    work_injury_rate: Decimal = Decimal("0.004")
    hpf_rate: Decimal = Decimal("0.10")

    def covers(self, month: Month) -> bool:
        """Whether the citizen worked there in ``month``."""
        return self.since <= month and (self.until is None or month <= self.until)

    @property
    def base(self) -> Decimal:
        """The contribution base (the wage within the bounds, in whole hundreds)."""
        bounded = min(max(self.wage, BASE_FLOOR), BASE_CEILING)
        return (bounded / 100).to_integral_value(ROUND_HALF_UP) * 100


@dataclass(frozen=True, slots=True)
class Home:
    """A registered property."""

    address_zh: str
    area_m2: str
    registered_on: date
    serial: int
    usage: str = "住宅"
    share: str = "单独所有"
    mortgaged: bool = False
    city: str = "株洲市"


@dataclass(frozen=True, slots=True)
class Loan:
    """A provident fund loan."""

    principal: Decimal
    starts: Month
    years: int


@dataclass(frozen=True, slots=True)
class Profile:
    """What the departments know about one demo citizen."""

    resident: ResidentRecord
    jobs: tuple[Job, ...] = ()
    insured_since: Month | None = None
    flexible_since: Month | None = None
    driving_since: date | None = None
    homes: tuple[Home, ...] = ()
    loan: Loan | None = None
    utilities: tuple[str, ...] = ()
    unpaid: tuple[tuple[str, int], ...] = ()
    """(utility kind, months ago) of bills not paid."""
    visits: int = 0
    additional_deduction: Decimal = Decimal(0)
    """Monthly special additional deductions (children, mortgage interest, elders)."""

    def job_in(self, month: Month) -> Job | None:
        """The job of ``month``, if any."""
        return next((job for job in self.jobs if job.covers(month)), None)


def home_address(resident: ResidentRecord) -> str:
    """The household address as departments write it (city first, no province)."""
    return resident.household_address.zh.removeprefix("湖南省")


def profiles(today: date) -> tuple[Profile, ...]:
    """The departments' view of every demo citizen on ``today`` (the child has little)."""
    this_month = Month.of(today)
    return (
        Profile(
            LIU_JIANJUN,
            jobs=(Job(RAIL, Decimal(16800), Month(2016, 3)),),
            insured_since=Month(2007, 7),
            driving_since=date(2010, 4, 12),
            homes=(
                Home(
                    home_address(LIU_JIANJUN),
                    "118.62",
                    date(2018, 6, 20),
                    31875,
                    share="共同共有",
                    mortgaged=True,
                ),
            ),
            loan=Loan(Decimal(600000), Month(2018, 7), 25),
            utilities=("water", "gas"),
            visits=2,
            additional_deduction=Decimal(3000),
        ),
        Profile(
            LI_XIAOYAN,
            jobs=(Job(APPAREL, Decimal(9200), Month(2017, 9), work_injury_rate=Decimal("0.005")),),
            insured_since=Month(2011, 7),
            driving_since=date(2014, 8, 5),
            homes=(
                Home(home_address(LI_XIAOYAN), "96.30", date(2020, 10, 14), 58214, mortgaged=True),
            ),
            utilities=("water", "power", "gas"),
            unpaid=(("power", 4),),
            visits=1,
            additional_deduction=Decimal(1000),
        ),
        Profile(
            TAN_ZHIQIANG,
            jobs=(Job(CERAMICS, Decimal(7600), Month(2019, 5), work_injury_rate=Decimal("0.01")),),
            insured_since=Month(2013, 3),
            driving_since=date(2012, 11, 23),
            homes=(
                Home(home_address(TAN_ZHIQIANG), "132.08", date(2019, 12, 9), 8127, city="醴陵市"),
                Home(
                    "醴陵市来龙门街道示范陶瓷产业园商业街 12 号",
                    "46.75",
                    date(2022, 5, 17),
                    10342,
                    usage="商业服务",
                    city="醴陵市",
                ),
            ),
            utilities=("water", "power", "gas"),
        ),
        Profile(
            PENG_LIHUA,
            jobs=(Job(AERO, Decimal(14500), Month(2019, 2), hpf_rate=Decimal("0.12")),),
            insured_since=Month(2008, 9),
            homes=(
                Home(home_address(PENG_LIHUA), "89.47", date(2021, 3, 30), 20963, mortgaged=True),
            ),
            loan=Loan(Decimal(450000), Month(2021, 4), 30),
            utilities=("water", "power"),
            visits=3,
            additional_deduction=Decimal(2000),
        ),
        Profile(
            YI_WENBIN,
            insured_since=Month(2014, 7),
            flexible_since=Month(2020, 7),
            driving_since=date(2016, 5, 18),
            homes=(Home(home_address(YI_WENBIN), "108.90", date(2022, 8, 3), 3386, city="攸县"),),
            utilities=("water", "power", "gas"),
            unpaid=(("gas", 1), ("gas", 2)),
            visits=1,
        ),
        Profile(
            CHEN_SIYU,
            jobs=(Job(AERO, Decimal(7200), Month(2020, 7), hpf_rate=Decimal("0.08")),),
            insured_since=Month(2020, 7),
            driving_since=date(2019, 7, 26),
            utilities=("power",),
            visits=1,
        ),
        Profile(
            LUO_HAITAO,
            jobs=(Job(AERO, Decimal(21500), Month(2018, 11), hpf_rate=Decimal("0.12")),),
            insured_since=Month(2005, 7),
            driving_since=date(2006, 3, 8),
            homes=(
                Home(home_address(LUO_HAITAO), "102.15", date(2012, 9, 11), 1764, city="茶陵县"),
                Home(
                    "株洲市天元区栗雨街道示范家园 3 栋 1702 室",
                    "127.36",
                    date(2023, 4, 25),
                    41508,
                    mortgaged=True,
                ),
            ),
            loan=Loan(Decimal(800000), Month(2023, 5), 25),
            utilities=("water", "power", "gas"),
            visits=2,
            additional_deduction=Decimal(5000),
        ),
        Profile(
            ZHOU_TING,
            jobs=(
                Job(
                    APPAREL,
                    Decimal(5400),
                    Month(2021, 3),
                    work_injury_rate=Decimal("0.005"),
                    hpf_rate=Decimal("0.05"),
                ),
            ),
            insured_since=Month(2017, 7),
            utilities=("power",),
            visits=1,
        ),
        Profile(
            WANG_HAORAN,
            jobs=(
                Job(
                    SOFTWARE,
                    Decimal(5800),
                    Month(2023, 7),
                    until=this_month.shift(-5),
                    work_injury_rate=Decimal("0.002"),
                    hpf_rate=Decimal("0.05"),
                ),
                Job(RAIL, Decimal(6500), this_month.shift(-4), hpf_rate=Decimal("0.08")),
            ),
            insured_since=Month(2023, 7),
            driving_since=date(2021, 8, 2),
            utilities=("power",),
        ),
        Profile(
            TANG_YAQIN,
            jobs=(Job(AERO, Decimal(8600), Month(2019, 1)),),
            insured_since=Month(2009, 7),
            driving_since=date(2015, 6, 30),
            homes=(
                Home(
                    home_address(TANG_YAQIN),
                    "118.62",
                    date(2018, 6, 20),
                    31876,
                    share="共同共有",
                    mortgaged=True,
                ),
            ),
            utilities=("power",),
            visits=2,
            additional_deduction=Decimal(1000),
        ),
        Profile(
            DENG_WEIDONG,
            # Left his job three months ago: contributions stopped, the fund account sealed.
            jobs=(Job(AERO, Decimal(12000), Month(2018, 12), until=this_month.shift(-4)),),
            insured_since=Month(2006, 8),
            driving_since=date(2008, 10, 15),
            homes=(Home(home_address(DENG_WEIDONG), "93.80", date(2016, 11, 22), 47731),),
            utilities=("water", "power", "gas"),
            unpaid=(("water", 1), ("water", 2)),
            visits=1,
        ),
        Profile(ZENG_ZIXUAN, visits=1),
    )
