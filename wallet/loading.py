"""Loading the departments' licence sources into the wallet, idempotently.

Each licence a source yields is issued through :meth:`WalletService.issue` (checked
against its type's schema and sealed by the department's current key). A licence
whose URI exists already (issued by an earlier load, another instance loading at the
same time, or twice in one answer) is counted, not issued again: the URI is the
licence's identity and the store refuses a second one. A licence the wallet holds is
found by its URI before anything is signed, so a reload costs one read per licence.
A request that names another issuer than its source's department, or that the schema
refuses, is counted as refused and logged by type and reason only (never its fields:
they are personal).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from kit.errors import DomainError
from wallet.adapters.sources import DepartmentLicenceSource
from wallet.errors import LicenceAlreadyIssued, LicenceNotFound
from wallet.service import IssueRequest, WalletService

logger = logging.getLogger("wallet.sources")


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What one load of one department's source did."""

    department: str
    issued: int = 0
    """New licences sealed and stored."""
    already_issued: int = 0
    """Licences whose URI the wallet held already (nothing written)."""
    refused: int = 0
    """Requests not issued: another department's, or refused by the type's schema."""
    failed: bool = False
    """The source could not be read to its end (what came before is kept)."""


class LicenceSourceLoader:
    """Issues the licences the wired departments' sources hold (each licence once)."""

    def __init__(
        self, wallet: WalletService, sources: Sequence[DepartmentLicenceSource] = ()
    ) -> None:
        self._wallet = wallet
        self._sources = tuple(sources)

    @property
    def sources(self) -> tuple[DepartmentLicenceSource, ...]:
        """The departments' sources this deployment wires."""
        return self._sources

    async def load_all(self) -> list[LoadReport]:
        """Load every wired source, one after the other; one report each."""
        return [await self.load(source) for source in self._sources]

    async def load(self, source: DepartmentLicenceSource) -> LoadReport:
        """Issue what ``source`` holds that the wallet does not; never raises for a licence."""
        department = source.department_code
        issued = already = refused = 0
        failed = False
        try:
            async for request in source.licences():
                if request.issuer != department:
                    refused += 1
                    self._refused(department, request.type.value, "WRONG_ISSUER")
                    continue
                if await self._held(request):
                    already += 1
                    continue
                try:
                    await self._wallet.issue(request)
                except LicenceAlreadyIssued:
                    already += 1
                except DomainError as error:
                    refused += 1
                    self._refused(department, request.type.value, error.code)
                else:
                    issued += 1
        except Exception as error:  # a department failing stops its own load only
            failed = True
            logger.warning(
                "wallet.sources.failed department=%s error=%s", department, type(error).__name__
            )
        report = LoadReport(department, issued, already, refused, failed)
        logger.info(
            "wallet.sources.loaded department=%s issued=%d already=%d refused=%d failed=%s",
            department,
            issued,
            already,
            refused,
            failed,
        )
        return report

    async def _held(self, request: IssueRequest) -> bool:
        """Whether the wallet holds the licence already (one read, no signing).

        Only a shortcut: a licence the check misses (stored meanwhile by another
        loader) is still refused by the store as already issued.
        """
        uri = self._wallet.licence_uri(request.issuer, request.type, request.number.strip())
        try:
            await self._wallet.licence(uri)
        except LicenceNotFound:
            return False
        return True

    @staticmethod
    def _refused(department: str, type_: str, reason: str) -> None:
        logger.warning(
            "wallet.sources.refused department=%s type=%s reason=%s", department, type_, reason
        )
