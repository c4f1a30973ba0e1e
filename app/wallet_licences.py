"""The life record's licences, and the enterprise record's, read from the licence wallet.

Neither domain imports the other: the life record declares what it needs (a
:class:`~liferecord.adapters.sources.SectionSource` for the licences section, an
:class:`~liferecord.adapters.enterprise.EnterpriseLicenceSource` for enterprises), and
the composition root answers both over :class:`~wallet.service.WalletService`. Each
licence's provenance names the department that issued and sealed it; the section
itself belongs to the e-licence library (``430200-XZSP``), which disputes go to.

Revoked licences are left out: the holder no longer holds them. Suspended and expired
ones stay, with their dates (the wallet shows their status).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from directory.service import DirectoryService
from liferecord.models import (
    Citizen,
    EnterpriseLicence,
    EnterpriseLicences,
    Licence,
    Licences,
    Provenance,
    Record,
    Section,
)
from wallet.models import SCHEMAS, Holder, HolderKind, LicenceStatus
from wallet.models import Licence as WalletLicence
from wallet.service import WalletService

LICENCE_LIBRARY = "430200-XZSP"
"""The e-licence library: the department the licences section belongs to."""
CITY_TIME = ZoneInfo("Asia/Shanghai")
DEFAULT_TIMEOUT_SECONDS = 2.0


def masked(number: str) -> str:
    """A document number with its middle starred (at most a third of it shown)."""
    keep = min(4, len(number) // 3)
    if keep == 0:
        return "*" * len(number)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


def _issued_at(day: date) -> datetime:
    """The start of the issue day in Zhuzhou: when the department attested the licence."""
    return datetime.combine(day, time(), tzinfo=CITY_TIME).astimezone(UTC)


class _IssuerNames:
    """The issuing departments' names, from the directory (one query per read)."""

    def __init__(self, directory: DirectoryService) -> None:
        self._directory = directory

    async def of(self, licences: Iterable[WalletLicence]) -> dict[str, str]:
        codes = sorted({licence.issuer for licence in licences})
        if not codes:
            return {}
        found = await self._directory.departments_by_code(codes)
        return {
            code: department.name.zh if department is not None else code
            for code, department in zip(codes, found, strict=True)
        }


def _held(licences: list[WalletLicence]) -> list[WalletLicence]:
    return [licence for licence in licences if licence.status is not LicenceStatus.REVOKED]


class WalletLicencesSection:
    """The life record's licences section (a ``SectionSource``) over the licence wallet."""

    section = Section.LICENCES
    department_code = LICENCE_LIBRARY
    freshness = timedelta(0)
    """The wallet is ours: read it every time, so a revocation shows at once (the cache
    still answers when the wallet cannot)."""

    def __init__(
        self,
        wallet: WalletService,
        directory: DirectoryService,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self._wallet = wallet
        self._names = _IssuerNames(directory)

    async def fetch(self, citizen: Citizen) -> Record | None:
        """The citizen's licences, newest first; ``None`` when the wallet holds none."""
        held = _held(
            await self._wallet.licences_held_by(Holder(HolderKind.CITIZEN, citizen.account_id))
        )
        if not held:
            return None
        names = await self._names.of(held)
        return Licences(
            items=[
                Licence(
                    kind_zh=SCHEMAS[licence.type].name.zh,
                    kind_en=SCHEMAS[licence.type].name.en,
                    number_masked=masked(licence.number),
                    issuer=names[licence.issuer],
                    issued_on=licence.issued_on,
                    valid_until=licence.expires_on,
                    provenance=Provenance(
                        source=licence.issuer, as_of=_issued_at(licence.issued_on), verified=True
                    ),
                )
                for licence in held
            ]
        )


class WalletEnterpriseLicences:
    """The enterprise record's licences (an ``EnterpriseLicenceSource``) over the wallet."""

    def __init__(self, wallet: WalletService, directory: DirectoryService) -> None:
        self._wallet = wallet
        self._names = _IssuerNames(directory)

    async def licences(self, uscc: str) -> EnterpriseLicences | None:
        """The enterprise's licences, newest first; ``None`` when the wallet holds none."""
        held = _held(await self._wallet.licences_held_by(Holder(HolderKind.ENTERPRISE, uscc)))
        if not held:
            return None
        names = await self._names.of(held)
        return EnterpriseLicences(
            items=[
                EnterpriseLicence(
                    kind_zh=SCHEMAS[licence.type].name.zh,
                    kind_en=SCHEMAS[licence.type].name.en,
                    number=licence.number,
                    issuer=names[licence.issuer],
                    issued_on=licence.issued_on,
                    valid_until=licence.expires_on,
                    scope_zh=_scope(licence),
                    provenance=Provenance(
                        source=licence.issuer, as_of=_issued_at(licence.issued_on), verified=True
                    ),
                )
                for licence in held
            ]
        )


def _scope(licence: WalletLicence) -> str | None:
    scope = licence.fields.get("scope")
    return scope if isinstance(scope, str) else None
