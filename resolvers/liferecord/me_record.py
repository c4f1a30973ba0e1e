"""``me.lifeRecord``: the caller's own life record, one field per section.

Each section field has its own resolver, so a section is read only when the query asks
for it, and the sections asked for are read concurrently (graphql-core gathers sibling
async fields). A department that is slow or down fails its own section only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Annotated, TypeVar, cast

import strawberry

from identity.models import Account
from identity.models import AssuranceLevel as DomainLevel
from kit.lru import BoundedLru
from liferecord.models import Citizen, Reader, Section
from liferecord.services.life_record import (
    CachedPeek,
    LifeRecordService,
    SectionResult,
    Unavailable,
)
from resolvers.context import Info
from resolvers.errors import step_up_required
from resolvers.liferecord import sections
from resolvers.liferecord.departments import ProvenanceDepartments
from resolvers.selection import selected_here, selects
from schema.liferecord import (
    HouseholdResult,
    IncomeResult,
    LicencesResult,
    MedicalInsuranceResult,
    PropertiesResult,
    ProvidentFundResult,
    SocialInsuranceResult,
    SourceUnavailable,
    UtilitiesResult,
)
from schema.payloads import AuthenticationRequired, StepUpRequired

logger = logging.getLogger("resolvers.liferecord")

# A section no source serves in this deployment: ask again in an hour.
NOT_CONNECTED_RETRY_SECONDS = 3600

MappedT = TypeVar("MappedT")


VIEW_CACHE_SIZE = 2048
"""Sections whose views an instance keeps (as ``SectionCache`` keeps opened sections)."""


class _KeptView:
    """A section's view, kept with everything it was built from.

    A cached section opened from the same sealed bytes is the same payload object
    (``SectionCache`` keeps it), and the directory's views are shared per record
    (``resolvers.directory``), so the same payload, times and flags, and the same
    department objects, make the same view: it is served again instead of being built
    (~35 µs a section on the bench machine, with the walk through its provenance).
    The views are read-only data, never changed after they are built, like the
    directory's.
    """

    __slots__ = ("codes", "departments", "result", "view")

    def __init__(
        self,
        result: SectionResult,
        codes: set[str],
        departments: Mapping[str, object],
        view: object,
    ) -> None:
        self.result = result
        self.codes = codes
        self.departments = dict(departments)
        self.view = view

    def same_result(self, result: SectionResult) -> bool:
        kept = self.result
        return (
            kept.payload is result.payload
            and kept.fetched_at == result.fetched_at
            and kept.stale == result.stale
            and kept.unavailable == result.unavailable
        )

    def same_departments(self, departments: Mapping[str, object]) -> bool:
        kept = self.departments
        return len(kept) == len(departments) and all(
            kept.get(code, _ABSENT) is department for code, department in departments.items()
        )


_ABSENT = object()
_VIEWS: BoundedLru[tuple[str, Section, bool], _KeptView] = BoundedLru(VIEW_CACHE_SIZE)
"""The last sections' views by (account, section, whether departments are shown)."""


@strawberry.type(
    description="Your life record (个人信息库): what the city's departments hold about you, "
    "each value with its provenance. Ask only for the sections you show: each is fetched "
    "from its department when asked, all of them at the same time, and one department "
    "being down fails its own section only (`SourceUnavailable`, or the last value marked "
    "`stale`)."
)
class LifeRecord:
    """The signed-in citizen's own sections."""

    citizen: strawberry.Private[Citizen]
    reader: strawberry.Private[Reader]
    refreshed: strawberry.Private[Mapping[Section, SectionResult]]
    """Results of a ``refreshLifeRecord`` in this request (not read again)."""
    provenance_departments: strawberry.Private[ProvenanceDepartments]
    cache_peek: strawberry.Private[CachedPeek | None] = None
    """The request's one read of the cached sections (``None``: each section reads its own)."""

    async def _section(
        self,
        info: Info,
        section: Section,
        to_type: Callable[[SectionResult, sections.Departments], MappedT],
    ) -> MappedT | SourceUnavailable:
        batch = self.provenance_departments
        await batch.start()
        try:
            result = await self._result(info, section)
        except BaseException:
            batch.abandon(info)
            raise
        wanted = selects(info, "department")
        key = (self.citizen.account_id, section, wanted)
        kept = _VIEWS.get(key)
        if kept is not None and not kept.same_result(result):
            kept = None
        # The provenance is walked only when the query shows department names.
        if kept is not None:
            codes = kept.codes
        elif wanted and result.payload is not None:
            codes = set(sections.provenance_codes(result.payload))
        else:
            codes = set()
        departments = await batch.departments(info, codes, wanted=wanted)
        if kept is not None and kept.same_departments(departments):
            return cast("MappedT", kept.view)
        try:
            view = to_type(result, departments)
        except (ValueError, TypeError) as error:
            # Validated at the border, so this is a bug; still only this section fails.
            logger.exception("resolvers.liferecord.unmappable section=%s", section.value)
            source = info.context.service(LifeRecordService).source_of(section).department_code
            return sections.source_unavailable(
                Unavailable(section, source, NOT_CONNECTED_RETRY_SECONDS, type(error).__name__)
            )
        if result.payload is not None:
            _VIEWS.put(key, _KeptView(result, codes, departments, view))
        return view

    async def _result(self, info: Info, section: Section) -> SectionResult:
        refreshed = self.refreshed.get(section)
        if refreshed is not None:
            return refreshed
        service = info.context.service(LifeRecordService)
        if section not in service.sections:
            return SectionResult(
                section,
                None,
                None,
                False,
                Unavailable(section, "", NOT_CONNECTED_RETRY_SECONDS, "not_connected"),
            )
        return await service.read(self.citizen, section, self.reader, peek=self.cache_peek)

    @strawberry.field(description="户籍: household registration (population register).")
    async def household(self, info: Info) -> HouseholdResult:
        """Household section."""
        return await self._section(info, Section.HOUSEHOLD, sections.household_section)

    @strawberry.field(description="电子证照: electronic licences.")
    async def licences(self, info: Info) -> LicencesResult:
        """Licences section."""
        return await self._section(info, Section.LICENCES, sections.licences_section)

    @strawberry.field(description="社保: pension, unemployment and work-injury insurance.")
    async def social_insurance(self, info: Info) -> SocialInsuranceResult:
        """Social insurance section."""
        return await self._section(
            info, Section.SOCIAL_INSURANCE, sections.social_insurance_section
        )

    @strawberry.field(description="医保: medical insurance status, account and settlements.")
    async def medical_insurance(self, info: Info) -> MedicalInsuranceResult:
        """Medical insurance section."""
        return await self._section(
            info, Section.MEDICAL_INSURANCE, sections.medical_insurance_section
        )

    @strawberry.field(description="公积金: housing provident fund account and loans.")
    async def provident_fund(self, info: Info) -> ProvidentFundResult:
        """Provident fund section."""
        return await self._section(info, Section.PROVIDENT_FUND, sections.provident_fund_section)

    @strawberry.field(description="不动产: registered properties.")
    async def properties(self, info: Info) -> PropertiesResult:
        """Properties section."""
        return await self._section(info, Section.PROPERTIES, sections.properties_section)

    @strawberry.field(description="水电气: water, power and gas accounts and bills.")
    async def utilities(self, info: Info) -> UtilitiesResult:
        """Utilities section."""
        return await self._section(info, Section.UTILITIES, sections.utilities_section)

    @strawberry.field(description="工资收入: wage income declared by employers for tax.")
    async def income(self, info: Info) -> IncomeResult:
        """Income section."""
        return await self._section(info, Section.INCOME, sections.income_section)


LifeRecordResult = Annotated[
    LifeRecord | AuthenticationRequired | StepUpRequired,
    strawberry.union(
        "LifeRecordResult",
        description="Your life record, or what to do first (it needs a verified real name).",
    ),
]


def _field_name(section: Section) -> str:
    """The ``LifeRecord`` field of ``section`` (``social_insurance`` → ``socialInsurance``)."""
    head, *rest = section.value.split("_")
    return head + "".join(word.title() for word in rest)


def citizen_of(account: Account) -> Citizen | None:
    """Whose record the account opens: its verified ID number (``None`` before 实名)."""
    if account.real_name is None:
        return None
    return Citizen(account_id=account.id, id_number=account.real_name.id_number)


def life_record_of(
    info: Info, account: Account, refreshed: Mapping[Section, SectionResult] | None = None
) -> LifeRecord | StepUpRequired:
    """The caller's own record (the field must be guarded by ``RequireLevel(REAL_NAME)``).

    The citizen is always the caller: no argument can name another person.
    """
    citizen = citizen_of(account)
    if citizen is None or account.real_name is None:
        # A REAL_NAME principal always has a verified identity; never trust that blindly.
        return step_up_required(DomainLevel.REAL_NAME, DomainLevel.PHONE)
    asked = selected_here(info)
    return LifeRecord(
        citizen=citizen,
        reader=Reader(
            kind="citizen",
            id=account.id,
            display_name=account.real_name.name,
            purpose="own record",
        ),
        refreshed=refreshed or {},
        provenance_departments=ProvenanceDepartments(),
        cache_peek=info.context.service(LifeRecordService).peek(
            citizen, [s for s in Section if _field_name(s) in asked]
        ),
    )
