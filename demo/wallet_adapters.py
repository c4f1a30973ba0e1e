"""DEMO: the departments' licence sources over the demo licence data (``demo.data.wallet``).

A citizen's licence is held by their account: the demo citizens with a phone get one
as on their first sign-in (the same account a sign-in with that phone then finds), so
their licences are in their wallet from the start. Enterprises hold theirs by USCC.
Each source is :class:`DevelopmentOnly`: staging and production refuse to start with
it wired; real sources reach the departments through the exchange (providers issue).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime

from demo.data.liferecord import city_today
from demo.data.wallet import DEPARTMENTS, DemoLicence, department_licences
from identity.repositories.accounts import AccountRepository
from infra.providers import DevelopmentOnly
from wallet.models import Holder, HolderKind
from wallet.service import IssueRequest


class DemoLicenceSource(DevelopmentOnly):
    """DEMO: one department's licences, from the demo licence data."""

    label = "demo department licence sources (fictional licences of the demo data)"

    def __init__(
        self,
        department_code: str,
        accounts: AccountRepository,
        *,
        today: Callable[[], date] = city_today,
    ) -> None:
        self.department_code = department_code
        self._accounts = accounts
        self._today = today

    async def licences(self) -> AsyncIterator[IssueRequest]:
        """The department's demo licences; citizens without a phone hold none here."""
        for licence in department_licences(self._today()).get(self.department_code, []):
            holder = await self._holder(licence)
            if holder is None:
                continue
            yield IssueRequest(
                type=licence.type,
                holder=holder,
                issuer=licence.issuer,
                number=licence.number,
                issued_on=licence.issued_on,
                expires_on=licence.expires_on,
                fields=licence.fields,
            )

    async def _holder(self, licence: DemoLicence) -> Holder | None:
        if licence.uscc is not None:
            return Holder(HolderKind.ENTERPRISE, licence.uscc)
        citizen = licence.citizen
        if citizen is None or citizen.phone is None:
            return None
        account = await self._accounts.get_or_create_by_phone(
            f"+86{citizen.phone}", datetime.now(UTC)
        )
        return Holder(HolderKind.CITIZEN, account.id)


def demo_licence_sources(accounts: AccountRepository) -> list[DemoLicenceSource]:
    """One source per department that issues some demo licence."""
    return [DemoLicenceSource(department, accounts) for department in DEPARTMENTS]
