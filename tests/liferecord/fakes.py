"""In-test department sources, section payloads of any size, and services over them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from fastapi import FastAPI

from app.resources import Resources
from infra.ratelimit import RateLimiter
from liferecord import models
from liferecord.adapters.sources import SectionSource
from liferecord.models import Citizen, Record, Section
from liferecord.repositories.access_log import AccessLogRepository
from liferecord.repositories.cache import SectionCache
from liferecord.services.breaker import CircuitBreaker
from liferecord.services.life_record import LifeRecordService

AS_OF = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

# The demo directory's departments (demo/data/departments.py) owning each section.
DEPARTMENT_OF: dict[Section, str] = {
    Section.HOUSEHOLD: "430200-GA",
    Section.LICENCES: "430200-XZSP",
    Section.SOCIAL_INSURANCE: "430200-RS",
    Section.MEDICAL_INSURANCE: "430200-YB",
    Section.PROVIDENT_FUND: "430200-GJJ",
    Section.PROPERTIES: "430200-ZRZY",
    Section.UTILITIES: "430200-WATER",
    Section.INCOME: "430200-SW",
}


def provenance(section: Section, *, verified: bool = True) -> models.Provenance:
    """Provenance naming the section's demo department."""
    return models.Provenance(source=DEPARTMENT_OF[section], as_of=AS_OF, verified=verified)


def _month(index: int) -> str:
    year, month = divmod(2025 * 12 + 2 - index, 12)
    return f"{year:04d}-{month + 1:02d}"


def section_payload(section: Section, items: int = 1, *, name: str = "刘建军") -> Record:
    """A valid payload of ``section`` with ``items`` entries in each of its lists."""
    p = provenance(section)
    count = range(items)
    match section:
        case Section.HOUSEHOLD:
            return models.Household(
                name=name,
                gender="male",
                birth_date=date(1984, 5, 12),
                household_address_zh="湖南省株洲市石峰区田心街道示范社区8栋201室",
                household_address_en="Room 201, Building 8, Shifan (Demo) Community",
                provenance=p,
            )
        case Section.LICENCES:
            return models.Licences(
                items=[
                    models.Licence(
                        kind_zh="机动车驾驶证",
                        kind_en="Driving licence",
                        number_masked=f"4302********{i:04d}",
                        issuer="株洲市公安局交通警察支队",
                        issued_on=date(2015, 1, 1),
                        valid_until=None if i % 2 else date(2031, 1, 1),
                        provenance=p,
                    )
                    for i in count
                ]
            )
        case Section.SOCIAL_INSURANCE:
            history = [
                models.ContributionMonth(
                    month=_month(i),
                    base=Decimal("6000.00"),
                    personal=Decimal("480.00"),
                    employer=Decimal("960.00"),
                    paid_by="株洲示范电力机车有限公司（演示）",
                )
                for i in count
            ]
            return models.SocialInsurance(
                schemes=[
                    models.InsuranceScheme(
                        scheme=scheme,
                        status="insured",
                        months_paid=items,
                        history=history,
                        provenance=p,
                    )
                    for scheme in ("pension", "unemployment", "work_injury")
                ]
            )
        case Section.MEDICAL_INSURANCE:
            return models.MedicalInsurance(
                status="insured",
                account_balance=Decimal("3210.50"),
                reimbursements=[
                    models.Reimbursement(
                        settled_on=date(2024, 6, 1) - timedelta(days=i),
                        hospital="株洲示范中心医院（演示）",
                        total=Decimal("1000.00"),
                        fund_paid=Decimal("800.00"),
                        self_paid=Decimal("200.00"),
                    )
                    for i in count
                ],
                provenance=p,
            )
        case Section.PROVIDENT_FUND:
            return models.ProvidentFund(
                account_number_masked="4302****1234",
                status="active",
                employer="株洲示范电力机车有限公司（演示）",
                balance=Decimal("45678.90"),
                monthly_deposit=Decimal("1440.00"),
                last_deposit_month="2025-02",
                loans=[
                    models.ProvidentFundLoan(
                        principal=Decimal("300000.00"),
                        outstanding=Decimal("150000.00"),
                        monthly_repayment=Decimal("1800.00"),
                        ends_on=date(2040, 1, 1),
                    )
                    for _ in count
                ],
                provenance=p,
            )
        case Section.PROPERTIES:
            return models.Properties(
                items=[
                    models.Property(
                        certificate_number=f"湘(2020)株洲市不动产权第{i:07d}号",
                        address_zh="株洲市石峰区示范路1号",
                        area_m2=Decimal("89.50"),
                        usage="住宅",
                        registered_on=date(2020, 5, 1),
                        share="单独所有",
                        mortgaged=i % 2 == 0,
                        seized=False,
                        provenance=p,
                    )
                    for i in count
                ]
            )
        case Section.UTILITIES:
            return models.Utilities(
                accounts=[
                    models.UtilityAccount(
                        kind="water",
                        account_number=f"W{i:08d}",
                        address_zh="株洲市石峰区示范路1号",
                        arrears=Decimal("0.00"),
                        bills=[
                            models.Bill(
                                month=_month(j),
                                usage=Decimal("12.0"),
                                unit="m³",
                                amount=Decimal("35.64"),
                                paid=True,
                            )
                            for j in count
                        ],
                        provenance=p,
                    )
                    for i in count
                ]
            )
        case Section.INCOME:
            return models.Income(
                months=[
                    models.IncomeMonth(
                        month=_month(i),
                        employer="株洲示范电力机车有限公司（演示）",
                        gross=Decimal("8000.00"),
                        tax_withheld=Decimal("90.00"),
                        provenance=provenance(section, verified=False),
                    )
                    for i in count
                ]
            )
    raise AssertionError(section)


class InFlight:
    """Counts the fetches of several sources in flight at once.

    Each fetch that passes through :meth:`hold` waits until ``expected`` fetches are in
    flight together, then all go on: sources fetched one after another never get there
    (each gives up at its timeout), sources fetched together all do. ``peak`` is the
    most seen at once.
    """

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.current = 0
        self.peak = 0
        self._all_in = asyncio.Event()

    async def hold(self) -> None:
        """Count this fetch in, wait for the others, count it out."""
        self.current += 1
        self.peak = max(self.peak, self.current)
        if self.current >= self.expected:
            self._all_in.set()
        try:
            await self._all_in.wait()
        finally:
            self.current -= 1


class FakeSource:
    """A department source answering with ``payload`` (after ``delay`` seconds).

    Set ``error`` to make it raise, ``hang`` to make it never answer (``stubborn``: not
    even when cancelled, at first), ``in_flight`` to count it among fetches in flight
    together, or ``payload`` to anything at all. Counts its calls; ``finished`` counts
    the fetches that have stopped (answered, failed or given up after a cancellation).
    """

    def __init__(
        self,
        section: Section,
        payload: object = None,
        *,
        freshness: timedelta = timedelta(hours=1),
        timeout_seconds: float = 2.0,
        delay: float = 0.0,
    ) -> None:
        self.section = section
        self.department_code = DEPARTMENT_OF[section]
        self.freshness = freshness
        self.timeout_seconds = timeout_seconds
        self.payload = section_payload(section) if payload is None else payload
        self.delay = delay
        self.error: Exception | None = None
        self.hang = False
        self.stubborn = False
        self.in_flight: InFlight | None = None
        self.calls: list[Citizen] = []
        self.finished = 0

    async def fetch(self, citizen: Citizen) -> Record | None:
        """The payload, after the delay; or the configured failure."""
        self.calls.append(citizen)
        try:
            return await self._answer()
        finally:
            self.finished += 1

    async def _answer(self) -> Record | None:
        if self.in_flight is not None:
            await self.in_flight.hold()
        if self.hang:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if not self.stubborn:
                    raise
                await asyncio.sleep(5)  # a slow clean-up after the cancellation
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.payload  # type: ignore[return-value]


def fake_sources(
    sections: Iterable[Section] = tuple(Section), *, timeout_seconds: float = 2.0
) -> dict[Section, FakeSource]:
    """One healthy fake source per section."""
    return {section: FakeSource(section, timeout_seconds=timeout_seconds) for section in sections}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self.now += delta


def _system_clock() -> datetime:
    return datetime.now(UTC)


def service_over(
    resources: Resources,
    sources: Mapping[Section, SectionSource],
    *,
    cache: SectionCache | None = None,
    breaker_factory: Callable[[], CircuitBreaker] = CircuitBreaker,
    clock: Callable[[], datetime] = _system_clock,
) -> LifeRecordService:
    """A life record service over ``sources``, with the test's Redis and database."""
    prefix = resources.settings.redis_key_prefix
    return LifeRecordService(
        sources,
        cache or SectionCache(resources.redis, resources.keys.record_cache, prefix=prefix),
        AccessLogRepository(resources.database),
        RateLimiter(resources.redis, prefix=prefix),
        breaker_factory=breaker_factory,
        clock=clock,
    )


def use_sources(
    app: FastAPI,
    sources: Mapping[Section, SectionSource],
    *,
    cache: SectionCache | None = None,
    breaker_factory: Callable[[], CircuitBreaker] = CircuitBreaker,
) -> LifeRecordService:
    """Serve the app's life record from ``sources`` from now on; returns the service.

    The test swaps in a registry whose life-record service reads the given sources, as
    a deployment would wire other adapters.
    """
    service = service_over(
        app.state.resources, sources, cache=cache, breaker_factory=breaker_factory
    )
    app.state.services = app.state.services.replacing(service)
    return service
