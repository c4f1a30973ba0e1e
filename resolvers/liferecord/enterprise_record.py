"""``enterpriseRecord``: the enterprise's own record, for a caller acting for it."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry

from identity.errors import ActingForbidden
from identity.models import AgentScope
from liferecord import enterprise as domain
from liferecord.enterprise import EnterpriseRecordService
from resolvers.context import Info
from resolvers.directory import DEPARTMENT_BY_CODE, department_type
from resolvers.errors import acting_forbidden
from resolvers.liferecord.sections import (
    Departments,
    department_unavailable,
    provenance_codes,
    provenance_type,
)
from resolvers.permissions import RequireScope
from schema.common import LocalizedText
from schema.enterprise import EntityStatus, EntityType
from schema.enterprise_record import (
    EmployeeContributionMonth,
    EmployeeSocialInsurance,
    EnterpriseLicence,
    EnterpriseLicences,
    EnterpriseRecord,
    EnterpriseRecordPayload,
    EnterpriseRegistration,
    EnterpriseTaxCredit,
    EnterpriseUtilities,
    EnterpriseUtilityAccount,
    TaxCreditGrade,
    TaxCreditYear,
)
from schema.liferecord import SourceUnavailable, UtilityKind


def _unavailable(down: domain.SourceDown) -> SourceUnavailable:
    return department_unavailable(down.source, down.retry_after_seconds)


def _registration(value: domain.Registration, departments: Departments) -> EnterpriseRegistration:
    return EnterpriseRegistration(
        uscc=value.uscc,
        name=LocalizedText(zh=value.name_zh, en=value.name_en),
        entity_type=EntityType(value.entity_type),
        status=EntityStatus(value.status),
        established_on=value.established_on,
        address=LocalizedText(zh=value.address_zh, en=value.address_en),
        registered_capital=value.registered_capital,
        provenance=provenance_type(value.provenance, departments),
    )


def _licences(
    value: domain.EnterpriseLicences | None, departments: Departments
) -> EnterpriseLicences:
    return EnterpriseLicences(
        items=[
            EnterpriseLicence(
                kind=LocalizedText(zh=item.kind_zh, en=item.kind_en),
                number=item.number,
                issuer=item.issuer,
                issued_on=item.issued_on,
                valid_until=item.valid_until,
                scope=item.scope_zh,
                provenance=provenance_type(item.provenance, departments),
            )
            for item in (value.items if value is not None else [])
        ]
    )


def _tax_credit(value: domain.TaxCredit, departments: Departments) -> EnterpriseTaxCredit:
    ratings = [
        TaxCreditYear(year=r.year, grade=TaxCreditGrade(r.rating))
        for r in sorted(value.ratings, key=lambda r: r.year, reverse=True)
    ]
    return EnterpriseTaxCredit(
        latest=ratings[0] if ratings else None,
        ratings=ratings,
        provenance=provenance_type(value.provenance, departments),
    )


def _social_insurance(
    value: domain.EmployeeSocialInsurance, departments: Departments
) -> EmployeeSocialInsurance:
    return EmployeeSocialInsurance(
        months=[
            EmployeeContributionMonth(
                month=m.month,
                headcount=m.headcount,
                employer_total=m.employer_total,
                personal_total=m.personal_total,
                total=m.employer_total + m.personal_total,
            )
            for m in value.months
        ],
        provenance=provenance_type(value.provenance, departments),
    )


def _utilities(
    value: domain.EnterpriseUtilities | None, departments: Departments
) -> EnterpriseUtilities:
    return EnterpriseUtilities(
        accounts=[
            EnterpriseUtilityAccount(
                kind=UtilityKind(account.kind),
                account_number=account.account_number,
                address=account.address_zh,
                arrears=account.arrears,
                last_bill_month=account.last_bill_month,
                last_bill_amount=account.last_bill_amount,
                provenance=provenance_type(account.provenance, departments),
            )
            for account in (value.accounts if value is not None else [])
        ]
    )


def _provenance_codes(record: domain.EnterpriseRecord) -> Iterable[str]:
    parts = (
        record.registration,
        record.licences,
        record.tax_credit,
        record.social_insurance,
        record.utilities,
    )
    for part in parts:
        if part.payload is not None:
            yield from provenance_codes(part.payload)


async def _departments(info: Info, codes: Iterable[str]) -> Departments:
    unique = sorted(set(codes))
    found = await info.context.loader(DEPARTMENT_BY_CODE).load_many(unique)
    return {
        code: None if department is None else department_type(department)
        for code, department in zip(unique, found, strict=True)
    }


def record_type(record: domain.EnterpriseRecord, departments: Departments) -> EnterpriseRecord:
    """The GraphQL view of an enterprise's record."""
    registration = record.registration
    tax_credit = record.tax_credit
    social_insurance = record.social_insurance
    return EnterpriseRecord(
        uscc=record.uscc,
        registration=(
            _unavailable(registration.unavailable)
            if registration.unavailable is not None
            else None
            if registration.payload is None
            else _registration(registration.payload, departments)
        ),
        licences=(
            _unavailable(record.licences.unavailable)
            if record.licences.unavailable is not None
            else _licences(record.licences.payload, departments)
        ),
        tax_credit=(
            _unavailable(tax_credit.unavailable)
            if tax_credit.unavailable is not None
            else None
            if tax_credit.payload is None
            else _tax_credit(tax_credit.payload, departments)
        ),
        social_insurance=(
            _unavailable(social_insurance.unavailable)
            if social_insurance.unavailable is not None
            else None
            if social_insurance.payload is None
            else _social_insurance(social_insurance.payload, departments)
        ),
        utilities=(
            _unavailable(record.utilities.unavailable)
            if record.utilities.unavailable is not None
            else _utilities(record.utilities.payload, departments)
        ),
    )


@strawberry.type
class EnterpriseRecordQuery:
    """The record of the enterprise a request acts for."""

    @strawberry.field(
        description="What the city's departments hold about the enterprise named by the "
        "`X-Acting-For: <uscc>` header — registration, licences, tax credit rating, social "
        "insurance totals for employees (no employee is named) and utility accounts — when the "
        "caller is its legal representative or an agent with `profile:read`.",
        extensions=[RequireScope(AgentScope.PROFILE_READ)],
    )
    async def enterprise_record(self, info: Info) -> EnterpriseRecordPayload:
        """The enterprise's own record."""
        try:
            record = await info.context.service(EnterpriseRecordService).record(
                info.context.require_principal()
            )
        except ActingForbidden:  # the guard lets only such callers through; checked again
            return acting_forbidden(AgentScope.PROFILE_READ)
        departments = await _departments(info, _provenance_codes(record))
        return record_type(record, departments)
