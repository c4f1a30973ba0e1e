"""Accounts: social and medical insurance, provident fund, utilities and wage income."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from demo.data.liferecord.profiles import (
    BASE_FLOOR,
    CHILDRENS_HOSPITAL,
    Job,
    Loan,
    Month,
    Profile,
    age_on,
    city_instant,
    demo_random,
    home_address,
    mask,
    months_between,
    months_ending,
    yesterday_at,
    yuan,
)
from liferecord.models import (
    Bill,
    ContributionMonth,
    Income,
    IncomeMonth,
    InsuranceScheme,
    MedicalInsurance,
    Provenance,
    ProvidentFund,
    ProvidentFundLoan,
    Reimbursement,
    SocialInsurance,
    Utilities,
    UtilityAccount,
)

RS, YB, GJJ, SW = "430200-RS", "430200-YB", "430200-GJJ", "430200-SW"

# Demo contribution rates, shaped like Hunan's (not the official figures).
PENSION = (Decimal("0.08"), Decimal("0.16"))
UNEMPLOYMENT = (Decimal("0.003"), Decimal("0.007"))
FLEXIBLE_PENSION = Decimal("0.20")
MEDICAL_PERSONAL = Decimal("0.02")
HPF_LOAN_MONTHLY_RATE = Decimal("0.0285") / 12
# Demo tariffs: yuan per unit.
TARIFFS = {"water": Decimal("2.97"), "power": Decimal("0.588"), "gas": Decimal("3.45")}
UNITS = {"water": "m³", "power": "kWh", "gas": "m³"}
UTILITY_SOURCES = {"water": "430200-WATER", "power": "430200-POWER", "gas": "430200-GAS"}
# Individual income tax on cumulative comprehensive income: (upper bound, rate, quick deduction).
TAX_BRACKETS = (
    (Decimal(36000), Decimal("0.03"), Decimal(0)),
    (Decimal(144000), Decimal("0.10"), Decimal(2520)),
    (Decimal(300000), Decimal("0.20"), Decimal(16920)),
    (Decimal(420000), Decimal("0.25"), Decimal(31920)),
    (Decimal(660000), Decimal("0.30"), Decimal(52920)),
    (Decimal(960000), Decimal("0.35"), Decimal(85920)),
    (Decimal("Infinity"), Decimal("0.45"), Decimal(181920)),
)
HOSPITALS = {  # demo hospitals: name, fund share of the cost above the deductible
    "city": [
        ("株洲示范中心医院（演示）", Decimal("0.80")),
        ("株洲市示范人民医院（演示）", Decimal("0.80")),
        ("株洲市示范中医院（演示）", Decimal("0.85")),
    ],
    "430281": [("醴陵市示范人民医院（演示）", Decimal("0.85"))],
    "430223": [("攸县示范人民医院（演示）", Decimal("0.85"))],
    "430224": [("茶陵县示范人民医院（演示）", Decimal("0.85"))],
    "430225": [("炎陵县示范人民医院（演示）", Decimal("0.85"))],
}


def _contribution(
    profile: Profile, scheme: str, month: Month
) -> tuple[Decimal, Decimal, Decimal, str] | None:
    """(base, personal, employer, paid by) of one month, or ``None`` when nothing was paid."""
    job = profile.job_in(month)
    if job is not None:
        base = job.base
        if scheme == "pension":
            return base, base * PENSION[0], base * PENSION[1], job.employer.name.zh
        if scheme == "unemployment":
            return base, base * UNEMPLOYMENT[0], base * UNEMPLOYMENT[1], job.employer.name.zh
        return base, Decimal(0), base * job.work_injury_rate, job.employer.name.zh
    flexible = profile.flexible_since
    if scheme == "pension" and flexible is not None and flexible <= month:
        base = BASE_FLOOR
        return base, base * FLEXIBLE_PENSION, Decimal(0), "灵活就业人员（个人缴纳）"
    return None


def social_insurance(profile: Profile, today: date) -> SocialInsurance | None:
    """社保: the three schemes with 12-24 months of history, if ever insured."""
    if profile.insured_since is None:
        return None
    last = Month.of(today).shift(-1)
    window = months_ending(last, demo_random(profile.resident, "social-insurance").randint(12, 24))
    schemes = []
    for scheme in ("pension", "unemployment", "work_injury"):
        history = []
        for month in window:
            paid = _contribution(profile, scheme, month)
            if paid is not None:
                base, personal, employer, paid_by = paid
                history.append(
                    ContributionMonth(
                        month=str(month),
                        base=yuan(base),
                        personal=yuan(personal),
                        employer=yuan(employer),
                        paid_by=paid_by,
                    )
                )
        # Paid every month from the first until the last paid (or the move to
        # flexible employment, which covers the pension only).
        ends = [job.until or last for job in profile.jobs]
        if profile.flexible_since is not None:
            ends.append(last if scheme == "pension" else profile.flexible_since.shift(-1))
        last_paid = max(ends)
        schemes.append(
            InsuranceScheme(
                scheme=scheme,
                status="insured" if last_paid == last else "suspended",
                months_paid=months_between(profile.insured_since, last_paid),
                history=history,
                provenance=Provenance(
                    source=RS, as_of=city_instant(last_paid.day(20), 2, 30), verified=True
                ),
            )
        )
    return SocialInsurance(schemes=schemes)


def _hospital(profile: Profile, today: date, rng: random.Random) -> tuple[str, Decimal]:
    resident = profile.resident
    if age_on(resident, today) < 16:
        return CHILDRENS_HOSPITAL, Decimal("0.85")
    county = HOSPITALS.get(resident.id_number[:6], [])
    return rng.choice(HOSPITALS["city"] + county * 3)


def medical_insurance(profile: Profile, today: date) -> MedicalInsurance:
    """医保: status, personal account balance and recent settlements."""
    rng = demo_random(profile.resident, "medical")
    last = Month.of(today).shift(-1)
    recent = [job for job in profile.jobs if job.covers(last.shift(-12)) or job.covers(last)]
    if recent:  # employees: 2% of the base goes to the personal account
        balance = recent[-1].base * MEDICAL_PERSONAL * rng.randint(6, 30)
    elif profile.flexible_since is not None:
        balance = BASE_FLOOR * MEDICAL_PERSONAL * rng.randint(3, 12)
    else:  # residents' scheme (children): no personal account
        balance = Decimal(0)
    reimbursements = []
    for _ in range(profile.visits):
        hospital, share = _hospital(profile, today, rng)
        total = yuan(rng.uniform(120, 9000))
        # In-patient stays pay a deductible first; out-patient visits half from the pool.
        fund = (total - 800) * share if total >= 2000 else total * Decimal("0.5")
        reimbursements.append(
            Reimbursement(
                settled_on=today - timedelta(days=rng.randint(3, 330)),
                hospital=hospital,
                total=total,
                fund_paid=yuan(fund),
                self_paid=total - yuan(fund),
            )
        )
    reimbursements.sort(key=lambda r: r.settled_on, reverse=True)
    return MedicalInsurance(
        status="insured",
        account_balance=yuan(balance),
        reimbursements=reimbursements,
        provenance=Provenance(source=YB, as_of=yesterday_at(today, 2), verified=True),
    )


def _loan(loan: Loan, last: Month) -> ProvidentFundLoan:
    rate, months = HPF_LOAN_MONTHLY_RATE, loan.years * 12
    growth = (1 + rate) ** months
    repayment = loan.principal * rate * growth / (growth - 1)
    paid = min(months, months_between(loan.starts, last))
    grown = (1 + rate) ** paid
    outstanding = loan.principal * grown - repayment * (grown - 1) / rate
    return ProvidentFundLoan(
        principal=yuan(loan.principal),
        outstanding=yuan(max(outstanding, Decimal(0))),
        monthly_repayment=yuan(repayment),
        ends_on=loan.starts.shift(months - 1).day(20),
    )


def _account_number(rng: random.Random) -> str:
    return f"4302{rng.randint(10**7, 10**8 - 1)}"


def provident_fund_account(profile: Profile) -> str:
    """The citizen's provident fund account number (the wallet's deposit certificate)."""
    return _account_number(demo_random(profile.resident, "provident-fund"))


def provident_fund(profile: Profile, today: date) -> ProvidentFund | None:
    """公积金 of the citizen's latest employer, if ever employed."""
    if not profile.jobs:
        return None
    rng = demo_random(profile.resident, "provident-fund")
    account = _account_number(rng)
    last = Month.of(today).shift(-1)
    current = profile.job_in(last)
    job = current or max(profile.jobs, key=lambda job: job.until or last)
    last_deposit = last if current else (job.until or last)
    deposit = (job.base * job.hpf_rate * 2).to_integral_value(ROUND_HALF_UP)
    if profile.loan is not None:  # deposits go to the monthly repayments
        balance = deposit * Decimal(rng.uniform(1.5, 6))
    else:
        months = sum(months_between(j.since, j.until or last) for j in profile.jobs)
        balance = deposit * months * Decimal(rng.uniform(0.35, 0.6))
    as_of = yesterday_at(today, 3) if current else city_instant(last_deposit.shift(1).day(8), 16)
    return ProvidentFund(
        account_number_masked=mask(account),
        status="active" if current else "sealed",
        employer=job.employer.name.zh,
        balance=yuan(balance),
        monthly_deposit=yuan(deposit),
        last_deposit_month=str(last_deposit),
        loans=[] if profile.loan is None else [_loan(profile.loan, last)],
        provenance=Provenance(source=GJJ, as_of=as_of, verified=True),
    )


def _usage(kind: str, month: Month, rng: random.Random) -> Decimal:
    if kind == "water":
        return Decimal(rng.randint(8, 18))
    if kind == "gas":
        winter = month.month in (12, 1, 2)
        return Decimal(rng.randint(18, 32) if winter else rng.randint(8, 18))
    summer, winter = month.month in (7, 8, 9), month.month in (12, 1, 2)
    return Decimal(rng.randint(320, 560) if summer or winter else rng.randint(150, 260))


def utilities(profile: Profile, today: date) -> Utilities | None:
    """水电气 accounts held in the citizen's name, with six monthly bills each."""
    if not profile.utilities:
        return None
    last = Month.of(today).shift(-1)
    accounts = []
    for kind in profile.utilities:
        rng = demo_random(profile.resident, f"utility:{kind}")
        account_number = f"{('W', 'P', 'G')[('water', 'power', 'gas').index(kind)]}07" + str(
            rng.randint(10**7, 10**8 - 1)
        )
        bills = []
        for month in months_ending(last, 6):
            usage = _usage(kind, month, rng)
            months_ago = months_between(month, last)
            bills.append(
                Bill(
                    month=str(month),
                    usage=usage,
                    unit=UNITS[kind],
                    amount=yuan(usage * TARIFFS[kind]),
                    paid=(kind, months_ago) not in profile.unpaid,
                )
            )
        accounts.append(
            UtilityAccount(
                kind=kind,
                account_number=account_number,
                address_zh=home_address(profile.resident),
                arrears=sum((bill.amount for bill in bills if not bill.paid), Decimal("0.00")),
                bills=bills,
                provenance=Provenance(
                    source=UTILITY_SOURCES[kind], as_of=yesterday_at(today, 23, 30), verified=True
                ),
            )
        )
    return Utilities(accounts=accounts)


def _cumulative_tax(taxable: Decimal) -> Decimal:
    for upper, rate, quick_deduction in TAX_BRACKETS:
        if taxable <= upper:
            return max(Decimal(0), taxable * rate - quick_deduction)
    raise AssertionError("the last bracket is unbounded")


def _gross(profile: Profile, job: Job, month: Month) -> Decimal:
    factor = Decimal(demo_random(profile.resident, f"wage:{month}").uniform(0.97, 1.06))
    return (job.wage * factor).to_integral_value(ROUND_HALF_UP)


def _withheld(profile: Profile, job: Job, month: Month) -> Decimal:
    """Tax withheld in ``month`` by the cumulative method (per employer, per calendar year).

    Each month withholds the tax on the income so far less what was withheld already;
    a month that would come out negative withholds nothing.
    """
    first = max(Month(month.year, 1), job.since)
    monthly_deductions = (
        5000
        + job.base * (PENSION[0] + MEDICAL_PERSONAL + UNEMPLOYMENT[0] + job.hpf_rate)
        + profile.additional_deduction
    )
    income = withheld = this_month = Decimal(0)
    for count, current in enumerate(months_ending(month, months_between(first, month)), start=1):
        income += _gross(profile, job, current)
        due = _cumulative_tax(max(Decimal(0), income - monthly_deductions * count))
        this_month = yuan(max(Decimal(0), due - withheld))
        withheld += this_month
    return this_month


def income(profile: Profile, today: date) -> Income | None:
    """Wage income of the last 12 declared months (declared by employers)."""
    if age_on(profile.resident, today) < 16:
        return None
    # Employers declare a month's wages by the 15th of the next.
    this_month = Month.of(today)
    last = this_month.shift(-1 if today.day > 15 else -2)
    months = []
    for month in months_ending(last, 12):
        job = profile.job_in(month)
        if job is None:
            continue
        declared_on = month.shift(1).day(
            demo_random(profile.resident, f"declared:{month}").randint(5, 15)
        )
        months.append(
            IncomeMonth(
                month=str(month),
                employer=job.employer.name.zh,
                gross=yuan(_gross(profile, job, month)),
                tax_withheld=_withheld(profile, job, month),
                provenance=Provenance(
                    source=SW, as_of=city_instant(declared_on, 16), verified=False
                ),
            )
        )
    return Income(months=months)
