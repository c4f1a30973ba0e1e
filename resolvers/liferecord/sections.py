"""Maps the service's section results to the GraphQL section types.

Monthly lists (contributions, settlements, bills, income) are put newest first here,
whatever order a department sends them in, as the schema promises.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

from pydantic import BaseModel

from liferecord import models
from liferecord.service import SectionResult, Unavailable
from schema.common import LocalizedText
from schema.directory import Department
from schema.liferecord import (
    Bill,
    ContributionMonth,
    Household,
    HouseholdSection,
    IncomeMonth,
    IncomeSection,
    InsuranceScheme,
    InsuranceStatus,
    Licence,
    LicencesSection,
    MedicalInsurance,
    MedicalInsuranceSection,
    PropertiesSection,
    Property,
    Provenance,
    ProvidentFund,
    ProvidentFundLoan,
    ProvidentFundSection,
    ProvidentFundStatus,
    Reimbursement,
    SocialInsuranceScheme,
    SocialInsuranceSection,
    SourceUnavailable,
    UtilitiesSection,
    UtilityAccount,
    UtilityKind,
)
from schema.payloads import error_code
from schema.verification import Gender

Departments = Mapping[str, Department | None]
"""Directory entries by code, for the provenance of the values being mapped."""

PayloadT = TypeVar("PayloadT", bound=models.Record)


def provenance_codes(value: BaseModel) -> Iterator[str]:
    """The department codes of every provenance inside ``value`` (repeats included)."""
    if isinstance(value, models.Provenance):
        yield value.source
        return
    for name in type(value).model_fields:
        field = getattr(value, name)
        items = field if isinstance(field, list) else [field]
        for item in items:
            if isinstance(item, BaseModel):
                yield from provenance_codes(item)


def source_unavailable(unavailable: Unavailable) -> SourceUnavailable:
    """The typed error for a section whose department did not answer."""
    return department_unavailable(unavailable.source, unavailable.retry_after_seconds)


def department_unavailable(source: str, retry_after_seconds: int) -> SourceUnavailable:
    """The typed error for any part of a record whose department did not answer."""
    return SourceUnavailable(
        code=error_code("SOURCE_UNAVAILABLE"),
        message="该部门系统暂时无法访问，请稍后再试",
        message_en="The department's system cannot be reached just now; please try again later",
        source=source,
        retry_after=retry_after_seconds,
    )


def provenance_type(value: models.Provenance, departments: Departments) -> Provenance:
    """The GraphQL view of a value's provenance, with its department from the directory."""
    return Provenance(
        source=value.source,
        department=departments.get(value.source),
        as_of=value.as_of,
        verified=value.verified,
        self_declared=not value.verified,
    )


def _payload(result: SectionResult, kind: type[PayloadT]) -> PayloadT | None:
    payload = result.payload
    if payload is None:
        return None
    if not isinstance(payload, kind):  # the service and the cache validate it; never here
        raise TypeError(f"{result.section.value} holds a {type(payload).__name__}")
    return payload


def _stale_reason(result: SectionResult) -> SourceUnavailable | None:
    return None if result.unavailable is None else source_unavailable(result.unavailable)


def household_section(
    result: SectionResult, departments: Departments
) -> HouseholdSection | SourceUnavailable:
    """户籍."""
    if result.fetched_at is None:
        return source_unavailable(_unavailable(result))
    value = _payload(result, models.Household)
    record = None
    if value is not None:
        record = Household(
            name=value.name,
            gender=Gender(value.gender),
            birth_date=value.birth_date,
            household_address=LocalizedText(
                zh=value.household_address_zh, en=value.household_address_en
            ),
            provenance=provenance_type(value.provenance, departments),
        )
    return HouseholdSection(
        record=record,
        fetched_at=result.fetched_at,
        stale=result.stale,
        unavailable=_stale_reason(result),
    )


def licences_section(
    result: SectionResult, departments: Departments
) -> LicencesSection | SourceUnavailable:
    """电子证照."""
    if result.fetched_at is None:
        return source_unavailable(_unavailable(result))
    value = _payload(result, models.Licences)
    items = [
        Licence(
            kind=LocalizedText(zh=item.kind_zh, en=item.kind_en),
            number_masked=item.number_masked,
            issuer=item.issuer,
            issued_on=item.issued_on,
            valid_until=item.valid_until,
            provenance=provenance_type(item.provenance, departments),
        )
        for item in (value.items if value is not None else [])
    ]
    return LicencesSection(
        items=items,
        fetched_at=result.fetched_at,
        stale=result.stale,
        unavailable=_stale_reason(result),
    )


def social_insurance_section(
    result: SectionResult, departments: Departments
) -> SocialInsuranceSection | SourceUnavailable:
    """社保."""
    if result.fetched_at is None:
        return source_unavailable(_unavailable(result))
    value = _payload(result, models.SocialInsurance)
    schemes = [
        SocialInsuranceScheme(
            scheme=InsuranceScheme(item.scheme),
            status=InsuranceStatus(item.status),
            months_paid=item.months_paid,
            history=[
                ContributionMonth(
                    month=month.month,
                    base=month.base,
                    personal=month.personal,
                    employer=month.employer,
                    paid_by=month.paid_by,
                )
                for month in sorted(item.history, key=lambda m: m.month, reverse=True)
            ],
            provenance=provenance_type(item.provenance, departments),
        )
        for item in (value.schemes if value is not None else [])
    ]
    return SocialInsuranceSection(
        schemes=schemes,
        fetched_at=result.fetched_at,
        stale=result.stale,
        unavailable=_stale_reason(result),
    )


def medical_insurance_section(
    result: SectionResult, departments: Departments
) -> MedicalInsuranceSection | SourceUnavailable:
    """医保."""
    if result.fetched_at is None:
        return source_unavailable(_unavailable(result))
    value = _payload(result, models.MedicalInsurance)
    record = None
    if value is not None:
        record = MedicalInsurance(
            status=InsuranceStatus(value.status),
            account_balance=value.account_balance,
            reimbursements=[
                Reimbursement(
                    settled_on=item.settled_on,
                    hospital=item.hospital,
                    total=item.total,
                    fund_paid=item.fund_paid,
                    self_paid=item.self_paid,
                )
                for item in sorted(value.reimbursements, key=lambda r: r.settled_on, reverse=True)
            ],
            provenance=provenance_type(value.provenance, departments),
        )
    return MedicalInsuranceSection(
        record=record,
        fetched_at=result.fetched_at,
        stale=result.stale,
        unavailable=_stale_reason(result),
    )


def provident_fund_section(
    result: SectionResult, departments: Departments
) -> ProvidentFundSection | SourceUnavailable:
    """公积金."""
    if result.fetched_at is None:
        return source_unavailable(_unavailable(result))
    value = _payload(result, models.ProvidentFund)
    record = None
    if value is not None:
        record = ProvidentFund(
            account_number_masked=value.account_number_masked,
            status=ProvidentFundStatus(value.status),
            employer=value.employer,
            balance=value.balance,
            monthly_deposit=value.monthly_deposit,
            last_deposit_month=value.last_deposit_month,
            loans=[
                ProvidentFundLoan(
                    principal=loan.principal,
                    outstanding=loan.outstanding,
                    monthly_repayment=loan.monthly_repayment,
                    ends_on=loan.ends_on,
                )
                for loan in value.loans
            ],
            provenance=provenance_type(value.provenance, departments),
        )
    return ProvidentFundSection(
        record=record,
        fetched_at=result.fetched_at,
        stale=result.stale,
        unavailable=_stale_reason(result),
    )


def properties_section(
    result: SectionResult, departments: Departments
) -> PropertiesSection | SourceUnavailable:
    """不动产."""
    if result.fetched_at is None:
        return source_unavailable(_unavailable(result))
    value = _payload(result, models.Properties)
    items = [
        Property(
            certificate_number=item.certificate_number,
            address=item.address_zh,
            area_m2=item.area_m2,
            usage=item.usage,
            registered_on=item.registered_on,
            share=item.share,
            mortgaged=item.mortgaged,
            seized=item.seized,
            provenance=provenance_type(item.provenance, departments),
        )
        for item in (value.items if value is not None else [])
    ]
    return PropertiesSection(
        items=items,
        fetched_at=result.fetched_at,
        stale=result.stale,
        unavailable=_stale_reason(result),
    )


def utilities_section(
    result: SectionResult, departments: Departments
) -> UtilitiesSection | SourceUnavailable:
    """水电气."""
    if result.fetched_at is None:
        return source_unavailable(_unavailable(result))
    value = _payload(result, models.Utilities)
    accounts = [
        UtilityAccount(
            kind=UtilityKind(item.kind),
            account_number=item.account_number,
            address=item.address_zh,
            arrears=item.arrears,
            bills=[
                Bill(
                    month=bill.month,
                    usage=bill.usage,
                    unit=bill.unit,
                    amount=bill.amount,
                    paid=bill.paid,
                )
                for bill in sorted(item.bills, key=lambda b: b.month, reverse=True)
            ],
            provenance=provenance_type(item.provenance, departments),
        )
        for item in (value.accounts if value is not None else [])
    ]
    return UtilitiesSection(
        accounts=accounts,
        fetched_at=result.fetched_at,
        stale=result.stale,
        unavailable=_stale_reason(result),
    )


def income_section(
    result: SectionResult, departments: Departments
) -> IncomeSection | SourceUnavailable:
    """工资收入."""
    if result.fetched_at is None:
        return source_unavailable(_unavailable(result))
    value = _payload(result, models.Income)
    months = [
        IncomeMonth(
            month=item.month,
            employer=item.employer,
            gross=item.gross,
            tax_withheld=item.tax_withheld,
            provenance=provenance_type(item.provenance, departments),
        )
        for item in sorted(
            value.months if value is not None else [], key=lambda m: m.month, reverse=True
        )
    ]
    return IncomeSection(
        months=months,
        fetched_at=result.fetched_at,
        stale=result.stale,
        unavailable=_stale_reason(result),
    )


def _unavailable(result: SectionResult) -> Unavailable:
    # Nothing fetched and nothing cached: the service always says why.
    if result.unavailable is None:
        raise TypeError(f"{result.section.value} has neither a value nor a reason")
    return result.unavailable
