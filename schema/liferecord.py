"""GraphQL types of the life record (个人信息库): sections, their values and provenance.

Each section of ``me.lifeRecord`` is a union of the section's value and
``SourceUnavailable``: one department being down fails its own section only. A section
value shown from the cache while its department is down says so (``stale`` and
``unavailable``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from schema.common import LocalizedText
from schema.directory import Department
from schema.payloads import UserError
from schema.verification import Gender


@strawberry.enum(description="A part of the life record, served by one department's system.")
class LifeRecordSection(Enum):
    """The sections of the life record."""

    HOUSEHOLD = strawberry.enum_value(
        "household", description="户籍: household registration (public security)."
    )
    LICENCES = strawberry.enum_value("licences", description="电子证照: electronic licences.")
    SOCIAL_INSURANCE = strawberry.enum_value(
        "social_insurance",
        description="社保: pension, unemployment and work-injury insurance (HR & social security).",
    )
    MEDICAL_INSURANCE = strawberry.enum_value(
        "medical_insurance", description="医保: medical insurance (healthcare security)."
    )
    PROVIDENT_FUND = strawberry.enum_value(
        "provident_fund", description="公积金: housing provident fund."
    )
    PROPERTIES = strawberry.enum_value(
        "properties", description="不动产: registered real estate (natural resources bureau)."
    )
    UTILITIES = strawberry.enum_value(
        "utilities", description="水电气: water, power and gas accounts and bills."
    )
    INCOME = strawberry.enum_value(
        "income", description="工资收入: wage income as declared to the tax bureau."
    )


@strawberry.type(description="Where a value comes from and how far to trust it.")
class Provenance:
    """Source department, as-of time and whether the department attests the value."""

    source: str = strawberry.field(
        description="Code of the department whose system holds the value (see `departments`)."
    )
    department: Department | None = strawberry.field(
        description="That department from the directory; null when the directory does not "
        "list the code."
    )
    as_of: datetime = strawberry.field(description="When the department last updated it (UTC).")
    verified: bool = strawberry.field(
        description="True when the department attests the value (e.g. a registration)."
    )
    self_declared: bool = strawberry.field(
        description="True when the citizen or an employer declared it and no department "
        "attests it (the opposite of `verified`)."
    )


@strawberry.type(
    description="The section's department did not answer (down, too slow, or sent data that "
    "failed validation) and nothing of the section is cached. Other sections are unaffected."
)
class SourceUnavailable(UserError):
    """A section whose source could not be read and has no cached value."""

    codes = ("SOURCE_UNAVAILABLE",)

    source: str = strawberry.field(description="Code of the department that did not answer.")
    retry_after: int = strawberry.field(description="Seconds after which asking again may succeed.")


# --- values --------------------------------------------------------------------------


@strawberry.type(description="户籍: household registration from the population register.")
class Household:
    """The citizen's registered household."""

    name: str = strawberry.field(description="Registered name.")
    gender: Gender = strawberry.field(description="Registered gender.")
    birth_date: date = strawberry.field(description="Registered birth date.")
    household_address: LocalizedText = strawberry.field(
        description="Address of the household registration (户籍地址)."
    )
    provenance: Provenance = strawberry.field(description="Source of this registration.")


@strawberry.type(description="An electronic licence, summarised (the wallet holds the original).")
class Licence:
    """One electronic licence."""

    kind: LocalizedText = strawberry.field(
        description="What licence it is (e.g. 居民身份证, 机动车驾驶证)."
    )
    number_masked: str = strawberry.field(description="Licence number with the middle hidden.")
    issuer: str = strawberry.field(description="Issuing authority as printed on the licence.")
    issued_on: date = strawberry.field(description="Date of issue.")
    valid_until: date | None = strawberry.field(
        description="Last day of validity; null when it does not expire."
    )
    provenance: Provenance = strawberry.field(description="Source of this licence.")


@strawberry.enum(description="A scheme of social insurance.")
class InsuranceScheme(Enum):
    """Pension, unemployment or work-injury insurance."""

    PENSION = strawberry.enum_value("pension", description="养老保险: basic pension insurance.")
    UNEMPLOYMENT = strawberry.enum_value(
        "unemployment", description="失业保险: unemployment insurance."
    )
    WORK_INJURY = strawberry.enum_value(
        "work_injury", description="工伤保险: work-injury insurance."
    )


@strawberry.enum(description="Whether the citizen is insured now.")
class InsuranceStatus(Enum):
    """State of an insurance."""

    INSURED = strawberry.enum_value("insured", description="参保: contributions are being paid.")
    SUSPENDED = strawberry.enum_value(
        "suspended", description="暂停: contributions stopped, the account is kept."
    )
    TERMINATED = strawberry.enum_value(
        "terminated", description="终止: the insurance relation has ended."
    )


@strawberry.type(description="One month of contributions to one insurance scheme.")
class ContributionMonth:
    """Contributions of one month."""

    month: str = strawberry.field(description="The month, `YYYY-MM`.")
    base: Decimal = strawberry.field(description="Contribution base (缴费基数), yuan.")
    personal: Decimal = strawberry.field(description="Paid by the citizen, yuan.")
    employer: Decimal = strawberry.field(description="Paid by the employer, yuan.")
    paid_by: str = strawberry.field(description="Employer (or 个人 for self-employed) who paid.")


@strawberry.type(description="The citizen's membership of one social insurance scheme.")
class SocialInsuranceScheme:
    """One scheme with its contribution history."""

    scheme: InsuranceScheme = strawberry.field(description="Which insurance.")
    status: InsuranceStatus = strawberry.field(description="Insured now or not.")
    months_paid: int = strawberry.field(description="Months of contributions in total.")
    history: list[ContributionMonth] = strawberry.field(
        description="Contribution months, newest first."
    )
    provenance: Provenance = strawberry.field(description="Source of this scheme's data.")


@strawberry.type(description="One medical expense settled by medical insurance.")
class Reimbursement:
    """One settlement."""

    settled_on: date = strawberry.field(description="Date of settlement.")
    hospital: str = strawberry.field(description="Hospital or pharmacy.")
    total: Decimal = strawberry.field(description="Total expense, yuan.")
    fund_paid: Decimal = strawberry.field(description="Paid by the insurance fund, yuan.")
    self_paid: Decimal = strawberry.field(description="Paid by the citizen, yuan.")


@strawberry.type(description="医保: medical insurance status, personal account, settlements.")
class MedicalInsurance:
    """The citizen's medical insurance."""

    status: InsuranceStatus = strawberry.field(description="Insured now or not.")
    account_balance: Decimal = strawberry.field(description="Personal account balance, yuan.")
    reimbursements: list[Reimbursement] = strawberry.field(description="Settlements, newest first.")
    provenance: Provenance = strawberry.field(description="Source of this data.")


@strawberry.enum(description="State of a provident fund account.")
class ProvidentFundStatus(Enum):
    """Provident fund account state."""

    ACTIVE = strawberry.enum_value("active", description="缴存: deposits are being made.")
    SEALED = strawberry.enum_value("sealed", description="封存: deposits stopped, balance kept.")
    CLOSED = strawberry.enum_value("closed", description="销户: the account is closed.")


@strawberry.type(description="A housing provident fund loan.")
class ProvidentFundLoan:
    """One loan."""

    principal: Decimal = strawberry.field(description="Amount lent, yuan.")
    outstanding: Decimal = strawberry.field(description="Still owed, yuan.")
    monthly_repayment: Decimal = strawberry.field(description="Monthly repayment, yuan.")
    ends_on: date = strawberry.field(description="Date of the last repayment.")


@strawberry.type(description="公积金: the housing provident fund account.")
class ProvidentFund:
    """The citizen's provident fund account."""

    account_number_masked: str = strawberry.field(description="Account number, partly hidden.")
    status: ProvidentFundStatus = strawberry.field(description="Account state.")
    employer: str = strawberry.field(description="Employer making the deposits.")
    balance: Decimal = strawberry.field(description="Balance, yuan.")
    monthly_deposit: Decimal = strawberry.field(
        description="Monthly deposit (citizen and employer together), yuan."
    )
    last_deposit_month: str = strawberry.field(description="Last month deposited, `YYYY-MM`.")
    loans: list[ProvidentFundLoan] = strawberry.field(description="Provident fund loans.")
    provenance: Provenance = strawberry.field(description="Source of this account's data.")


@strawberry.type(description="A registered property (不动产权).")
class Property:
    """One property registration."""

    certificate_number: str = strawberry.field(
        description="Real-estate certificate number (不动产权证书号)."
    )
    address: str = strawberry.field(description="Address as registered (Chinese).")
    area_m2: Decimal = strawberry.field(description="Floor area, square metres.")
    usage: str = strawberry.field(description="Registered use (e.g. 住宅).")
    registered_on: date = strawberry.field(description="Date of registration.")
    share: str = strawberry.field(description="The citizen's share (e.g. 单独所有, 共同共有).")
    mortgaged: bool = strawberry.field(description="True when a mortgage is registered on it.")
    seized: bool = strawberry.field(description="True when a court has seized it (查封).")
    provenance: Provenance = strawberry.field(description="Source of this registration.")


@strawberry.enum(description="What a utility account supplies.")
class UtilityKind(Enum):
    """Water, power or gas."""

    WATER = strawberry.enum_value("water", description="水: water supply.")
    POWER = strawberry.enum_value("power", description="电: electricity.")
    GAS = strawberry.enum_value("gas", description="气: piped gas.")


@strawberry.type(description="One monthly utility bill.")
class Bill:
    """A bill."""

    month: str = strawberry.field(description="The month billed, `YYYY-MM`.")
    usage: Decimal = strawberry.field(description="Amount used, in `unit`.")
    unit: str = strawberry.field(description="Unit of `usage` (m³, kWh).")
    amount: Decimal = strawberry.field(description="Amount billed, yuan.")
    paid: bool = strawberry.field(description="True once paid.")


@strawberry.type(description="A water, power or gas account.")
class UtilityAccount:
    """One utility account with its recent bills."""

    kind: UtilityKind = strawberry.field(description="What it supplies.")
    account_number: str = strawberry.field(description="Account number at the utility.")
    address: str = strawberry.field(description="Supply address (Chinese).")
    arrears: Decimal = strawberry.field(description="Unpaid amount, yuan.")
    bills: list[Bill] = strawberry.field(description="Recent bills, newest first.")
    provenance: Provenance = strawberry.field(description="Source of this account's data.")


@strawberry.type(description="Wage income of one month from one employer, as declared for tax.")
class IncomeMonth:
    """One month's declared income."""

    month: str = strawberry.field(description="The month, `YYYY-MM`.")
    employer: str = strawberry.field(description="Employer that declared it.")
    gross: Decimal = strawberry.field(description="Gross wage, yuan.")
    tax_withheld: Decimal = strawberry.field(description="Individual income tax withheld, yuan.")
    provenance: Provenance = strawberry.field(
        description="Source; declared by the employer, so `verified` is false."
    )


# --- sections ------------------------------------------------------------------------


@strawberry.interface(description="A section's value as last fetched from its department.")
class FetchedSection:
    """What every section value says about its freshness."""

    fetched_at: datetime = strawberry.field(
        description="When this value was fetched from the department (UTC)."
    )
    stale: bool = strawberry.field(
        description="True when the department could not be reached just now and this is the "
        "last value fetched before; `unavailable` then says when to try again."
    )
    unavailable: SourceUnavailable | None = strawberry.field(
        description="Why a fresh value could not be fetched; null unless `stale`."
    )


@strawberry.type(description="户籍: household registration.")
class HouseholdSection(FetchedSection):
    """The household section."""

    record: Household | None = strawberry.field(
        description="The registration; null when the register holds none for you."
    )


@strawberry.type(description="电子证照: your electronic licences.")
class LicencesSection(FetchedSection):
    """The licences section."""

    items: list[Licence] = strawberry.field(description="Your licences.")


@strawberry.type(description="社保: your social insurance schemes.")
class SocialInsuranceSection(FetchedSection):
    """The social insurance section."""

    schemes: list[SocialInsuranceScheme] = strawberry.field(
        description="Schemes you are or were insured in."
    )


@strawberry.type(description="医保: your medical insurance.")
class MedicalInsuranceSection(FetchedSection):
    """The medical insurance section."""

    record: MedicalInsurance | None = strawberry.field(
        description="Your medical insurance; null when you were never insured here."
    )


@strawberry.type(description="公积金: your housing provident fund.")
class ProvidentFundSection(FetchedSection):
    """The provident fund section."""

    record: ProvidentFund | None = strawberry.field(
        description="Your account; null when you have none here."
    )


@strawberry.type(description="不动产: your registered properties.")
class PropertiesSection(FetchedSection):
    """The properties section."""

    items: list[Property] = strawberry.field(description="Properties registered to you.")


@strawberry.type(description="水电气: your water, power and gas accounts.")
class UtilitiesSection(FetchedSection):
    """The utilities section."""

    accounts: list[UtilityAccount] = strawberry.field(description="Your utility accounts.")


@strawberry.type(description="工资收入: your wage income as declared by employers.")
class IncomeSection(FetchedSection):
    """The income section."""

    months: list[IncomeMonth] = strawberry.field(description="Declared months, newest first.")


HouseholdResult = Annotated[
    HouseholdSection | SourceUnavailable,
    strawberry.union("HouseholdResult", description="The household section, or why not."),
]
LicencesResult = Annotated[
    LicencesSection | SourceUnavailable,
    strawberry.union("LicencesResult", description="The licences section, or why not."),
]
SocialInsuranceResult = Annotated[
    SocialInsuranceSection | SourceUnavailable,
    strawberry.union(
        "SocialInsuranceResult", description="The social insurance section, or why not."
    ),
]
MedicalInsuranceResult = Annotated[
    MedicalInsuranceSection | SourceUnavailable,
    strawberry.union(
        "MedicalInsuranceResult", description="The medical insurance section, or why not."
    ),
]
ProvidentFundResult = Annotated[
    ProvidentFundSection | SourceUnavailable,
    strawberry.union("ProvidentFundResult", description="The provident fund section, or why not."),
]
PropertiesResult = Annotated[
    PropertiesSection | SourceUnavailable,
    strawberry.union("PropertiesResult", description="The properties section, or why not."),
]
UtilitiesResult = Annotated[
    UtilitiesSection | SourceUnavailable,
    strawberry.union("UtilitiesResult", description="The utilities section, or why not."),
]
IncomeResult = Annotated[
    IncomeSection | SourceUnavailable,
    strawberry.union("IncomeResult", description="The income section, or why not."),
]
