"""The enterprise's own record: what the departments hold about an enterprise.

Read by its legal representative or an agent with ``profile:read`` acting for it
(``X-Acting-For``): registration from the register of legal entities, licences, tax
credit rating, social insurance contributions for its employees (totals only: no
employee is named) and utility accounts. Each part comes from its own department
with provenance; one department failing leaves only its part unavailable.

These reads are the enterprise's own data, not a citizen's, so they go to the
operations log, not to any citizen's access log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from identity.errors import ActingForbidden
from identity.models import AgentScope, Principal
from liferecord.adapters.enterprise import (
    CONTRIBUTION_MONTHS,
    EnterpriseDataSets,
    EnterpriseLicenceSource,
    EntityRegister,
)
from liferecord.models.enterprise import (
    ContributionTotal,
    ContributionTotals,
    EmployeeSocialInsurance,
    EnterpriseDataSet,
    EnterpriseLicences,
    EnterpriseRecord,
    EnterpriseUtilities,
    Part,
    RegisteredEnterprise,
    Registration,
    SourceDown,
    TaxCredit,
)
from liferecord.models.sections import Provenance, Record

logger = logging.getLogger("liferecord.enterprise")

T = TypeVar("T", bound=Record)

DEFAULT_TIMEOUT_SECONDS = 2.0
RETRY_AFTER_SECONDS = 30

REGISTER_DEPARTMENT = "430200-SCJG"
"""Market regulation keeps the register of legal entities."""
LICENCES_DEPARTMENT = "430200-XZSP"
"""The e-licence library, that is the licence wallet (each licence's provenance names
its issuer)."""
TAX_DEPARTMENT = "430200-SW"
SOCIAL_INSURANCE_DEPARTMENT = "430200-RS"
UTILITIES_DEPARTMENT = "430200-XZSP"
"""The exchange's merged utilities feed (each account's provenance names its company)."""


class MalformedData(Exception):
    """A department's data set does not match its model."""


def _registration(entity: RegisteredEnterprise | None, now: datetime) -> Registration | None:
    if entity is None:
        return None
    return Registration(
        uscc=entity.uscc,
        name_zh=entity.name.zh,
        name_en=entity.name.en,
        entity_type=entity.entity_type,
        status=entity.status,
        established_on=entity.established_on,
        address_zh=entity.address.zh,
        address_en=entity.address.en,
        registered_capital=entity.registered_capital,
        # The register is read live: its answer is current as of now.
        provenance=Provenance(source=REGISTER_DEPARTMENT, as_of=now, verified=True),
    )


def _validated(model: type[T], data: EnterpriseDataSet | None) -> T | None:
    if data is None:
        return None
    try:
        return model.model_validate(data.payload)
    except ValidationError:
        # pydantic's message quotes the input, which may be personal: not chained.
        raise MalformedData(model.__name__) from None


def _social_insurance(totals: ContributionTotals | None) -> EmployeeSocialInsurance | None:
    if totals is None or totals.as_of is None:
        return None
    try:
        return EmployeeSocialInsurance(
            months=[
                ContributionTotal(
                    month=month.month,
                    headcount=month.headcount,
                    employer_total=month.employer_total,
                    personal_total=month.personal_total,
                )
                for month in reversed(totals.months)
            ],
            provenance=Provenance(
                source=SOCIAL_INSURANCE_DEPARTMENT, as_of=totals.as_of, verified=True
            ),
        )
    except ValidationError:
        raise MalformedData("EmployeeSocialInsurance") from None


class EnterpriseRecordService:
    """Reads an enterprise's record for a caller acting for it with ``profile:read``."""

    def __init__(
        self,
        register: EntityRegister,
        data_sets: EnterpriseDataSets,
        licences: EnterpriseLicenceSource,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._register = register
        self._data_sets = data_sets
        self._licences = licences
        self._timeout = timeout_seconds
        self._clock = clock

    async def record(self, principal: Principal) -> EnterpriseRecord:
        """The record of the enterprise the request acts for, all parts read concurrently.

        Raises :class:`ActingForbidden` unless the request acts for an enterprise with
        ``profile:read``.
        """
        acting = principal.acting_for
        if acting is None or AgentScope.PROFILE_READ not in acting.scopes:
            raise ActingForbidden
        uscc = acting.uscc
        now = self._clock()
        sets = self._data_sets

        async def registration() -> Registration | None:
            return _registration(await self._register.entity_by_uscc(uscc), now)

        async def licences() -> EnterpriseLicences | None:
            return await self._licences.licences(uscc)

        async def tax_credit() -> TaxCredit | None:
            return _validated(TaxCredit, await sets.get("tax_credit", uscc))

        async def social_insurance() -> EmployeeSocialInsurance | None:
            return _social_insurance(
                await sets.contribution_totals(uscc, months=CONTRIBUTION_MONTHS)
            )

        async def utilities() -> EnterpriseUtilities | None:
            return _validated(EnterpriseUtilities, await sets.get("utilities", uscc))

        parts = await asyncio.gather(
            self._part(uscc, REGISTER_DEPARTMENT, registration()),
            self._part(uscc, LICENCES_DEPARTMENT, licences()),
            self._part(uscc, TAX_DEPARTMENT, tax_credit()),
            self._part(uscc, SOCIAL_INSURANCE_DEPARTMENT, social_insurance()),
            self._part(uscc, UTILITIES_DEPARTMENT, utilities()),
        )
        logger.info(
            "liferecord.enterprise.read uscc=%s account=%s representative=%s",
            uscc,
            principal.account_id,
            acting.as_legal_representative,
        )
        return EnterpriseRecord(uscc, *parts)

    async def _part(self, uscc: str, source: str, fetch: Awaitable[Any]) -> Part[Any]:
        try:
            payload = await asyncio.wait_for(fetch, self._timeout)
        except Exception as error:  # any failure of a department stays in its part
            reason = (
                "timeout"
                if isinstance(error, TimeoutError)
                else "malformed"
                if isinstance(error, MalformedData)
                else "error"
            )
            logger.warning(
                "liferecord.enterprise.source_failed uscc=%s source=%s reason=%s error=%s",
                uscc,
                source,
                reason,
                type(error).__name__,
            )
            return Part(None, SourceDown(source, RETRY_AFTER_SECONDS, reason))
        return Part(payload)
