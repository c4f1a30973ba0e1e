"""What the enterprise record needs of the register, the departments' data sets and
the licence wallet.

Production reaches the register and the data sets through the city's data-sharing
exchange over signed HTTP (:mod:`liferecord.adapters.exchange`); tests with
``SZ_EXCHANGE_PROVIDER=embedded`` wire the demo's, from ``demo/``. The enterprise's
licences are the licence wallet's, read through an adapter of the composition root
(the life record never imports it).
"""

from __future__ import annotations

from typing import Protocol

from liferecord.models.enterprise import (
    ContributionTotals,
    EnterpriseDataSet,
    EnterpriseLicences,
    RegisteredEnterprise,
)

CONTRIBUTION_MONTHS = 12
"""How many months of social insurance totals the enterprise record shows."""


class EntityRegister(Protocol):
    """The register of legal entities, looked up by unified social credit code."""

    async def entity_by_uscc(self, uscc: str) -> RegisteredEnterprise | None:
        """The registered enterprise, or ``None``."""


class EnterpriseDataSets(Protocol):
    """The departments' data sets about enterprises (tax credit, utilities …)."""

    async def get(self, kind: str, uscc: str) -> EnterpriseDataSet | None:
        """One department's data set (``tax_credit``, ``utilities``), or ``None``."""

    async def contribution_totals(
        self, uscc: str, *, months: int = CONTRIBUTION_MONTHS
    ) -> ContributionTotals | None:
        """Monthly contribution totals, computed where the rolls are kept (no one named)."""


class EnterpriseLicenceSource(Protocol):
    """The enterprise's licences, as the licence wallet holds them."""

    async def licences(self, uscc: str) -> EnterpriseLicences | None:
        """Every licence the enterprise holds (``None``: it holds none).

        Each licence's provenance names the department that issued it.
        """
