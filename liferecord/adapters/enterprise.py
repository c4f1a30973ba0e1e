"""What the enterprise record needs of the register and the departments' data sets.

Production reaches both through the city's data-sharing exchange (the providers issue
adds those adapters); development and the demo wire the demo exchange's, from ``demo/``.
"""

from __future__ import annotations

from typing import Protocol

from liferecord.models.enterprise import ContributionTotals, EnterpriseDataSet, RegisteredEnterprise

CONTRIBUTION_MONTHS = 12
"""How many months of social insurance totals the enterprise record shows."""


class EntityRegister(Protocol):
    """The register of legal entities, looked up by unified social credit code."""

    async def entity_by_uscc(self, uscc: str) -> RegisteredEnterprise | None:
        """The registered enterprise, or ``None``."""


class EnterpriseDataSets(Protocol):
    """The departments' data sets about enterprises (licences, tax credit, utilities …)."""

    async def get(self, kind: str, uscc: str) -> EnterpriseDataSet | None:
        """One department's data set (``licences``, ``tax_credit``, ``utilities``), or ``None``."""

    async def contribution_totals(
        self, uscc: str, *, months: int = CONTRIBUTION_MONTHS
    ) -> ContributionTotals | None:
        """Monthly contribution totals, computed where the rolls are kept (no one named)."""
