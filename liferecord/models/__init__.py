"""Records of the life record (pure: no I/O, no drivers).

- :mod:`~liferecord.models.sections`: the eight sections, provenance, who reads them;
- :mod:`~liferecord.models.disputes`: citizens' correction requests;
- :mod:`~liferecord.models.access`: the access log's entries;
- :mod:`~liferecord.models.enterprise`: an enterprise's own record.

Everything is importable from here (``from liferecord.models import Section``).
"""

from __future__ import annotations

from liferecord.models.access import (
    AccessEntry,
    AccessPage,
)
from liferecord.models.disputes import (
    NEXT_STATUSES,
    Dispute,
    DisputeEvent,
    DisputePage,
    DisputeStatus,
)
from liferecord.models.enterprise import (
    ContributionTotal,
    ContributionTotals,
    EmployeeSocialInsurance,
    EnterpriseDataSet,
    EnterpriseLicence,
    EnterpriseLicences,
    EnterpriseRecord,
    EnterpriseUtilities,
    EnterpriseUtilityAccount,
    MonthTotals,
    Part,
    RegisteredEnterprise,
    Registration,
    SourceDown,
    TaxCredit,
    YearRating,
)
from liferecord.models.sections import (
    PAYLOAD_TYPES,
    Bill,
    CachedSection,
    Citizen,
    ContributionMonth,
    Household,
    Income,
    IncomeMonth,
    InsuranceScheme,
    Licence,
    Licences,
    MedicalInsurance,
    Properties,
    Property,
    Provenance,
    ProvidentFund,
    ProvidentFundLoan,
    Reader,
    Record,
    Reimbursement,
    Section,
    SectionPayload,
    SocialInsurance,
    Utilities,
    UtilityAccount,
)

__all__ = [
    "NEXT_STATUSES",
    "PAYLOAD_TYPES",
    "AccessEntry",
    "AccessPage",
    "Bill",
    "CachedSection",
    "Citizen",
    "ContributionMonth",
    "ContributionTotal",
    "ContributionTotals",
    "Dispute",
    "DisputeEvent",
    "DisputePage",
    "DisputeStatus",
    "EmployeeSocialInsurance",
    "EnterpriseDataSet",
    "EnterpriseLicence",
    "EnterpriseLicences",
    "EnterpriseRecord",
    "EnterpriseUtilities",
    "EnterpriseUtilityAccount",
    "Household",
    "Income",
    "IncomeMonth",
    "InsuranceScheme",
    "Licence",
    "Licences",
    "MedicalInsurance",
    "MonthTotals",
    "Part",
    "Properties",
    "Property",
    "Provenance",
    "ProvidentFund",
    "ProvidentFundLoan",
    "Reader",
    "Record",
    "RegisteredEnterprise",
    "Registration",
    "Reimbursement",
    "Section",
    "SectionPayload",
    "SocialInsurance",
    "SourceDown",
    "TaxCredit",
    "Utilities",
    "UtilityAccount",
    "YearRating",
]
