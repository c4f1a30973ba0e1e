"""The applications domain's one wiring point: its repositories and services over the database."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from applications.adapters.ports import (
    ApplicantLicences,
    MaterialUploads,
    OfficerReads,
    UploadFacts,
)
from applications.calendar import WorkingDayCalendar
from applications.repositories import Database
from applications.repositories.cases import CaseRepository
from applications.repositories.catalogue import CatalogueRepository
from applications.services.applying import ApplicationService
from applications.services.catalogue import CatalogueService
from applications.services.changes import CaseWriter
from applications.services.desk import FollowUps, OfficerDesk
from applications.services.statistics import StatisticsService
from identity.services.officers import OfficerService
from infra.crypto import FieldCipher
from kit.wiring import Wired


def _now() -> datetime:
    return datetime.now(UTC)


class NoUploads:
    """No upload is usable (until an upload service is wired)."""

    async def usable(self, account_id: str, upload_ids: Sequence[str]) -> Mapping[str, UploadFacts]:
        """None of them."""
        return {}


@dataclass(frozen=True, slots=True)
class ApplicationsClients:
    """The open clients the applications domain uses."""

    database: Database
    cipher: FieldCipher | None = None
    """Encrypts forms, reasons and comments at rest (required for cases)."""


@dataclass(frozen=True, slots=True)
class ApplicationsConfig:
    """The domain's own settings."""

    calendar: WorkingDayCalendar = field(default_factory=WorkingDayCalendar)
    clock: Callable[[], datetime] = _now


@dataclass(frozen=True, slots=True)
class ApplicationsProviders:
    """What the case services need from other domains (``None``: catalogue only)."""

    officers: OfficerService | None = None
    licences: ApplicantLicences | None = None
    reads: OfficerReads | None = None
    uploads: MaterialUploads | None = None


def wire(
    clients: ApplicationsClients, config: ApplicationsConfig, providers: ApplicationsProviders
) -> Wired:
    """The catalogue's repository and service (other domains read the catalogue early)."""
    catalogue_repository = CatalogueRepository(clients.database)
    return Wired(
        repositories=[catalogue_repository], services=[CatalogueService(catalogue_repository)]
    )


def wire_cases(
    clients: ApplicationsClients,
    config: ApplicationsConfig,
    providers: ApplicationsProviders,
    *,
    catalogue: CatalogueService,
) -> Wired:
    """Drafts, cases, officers' desk, follow-ups and statistics over ``catalogue``.

    Wired after identity, the wallet and the life record, whose services the case
    services use through ``providers``.
    """
    if (
        clients.cipher is None
        or providers.officers is None
        or providers.licences is None
        or providers.reads is None
    ):
        raise ValueError("the case services need a cipher, officers, licences and reads")
    cases = CaseRepository(clients.database, clients.cipher)
    writer = CaseWriter(cases, config.calendar, clock=config.clock)
    applying = ApplicationService(
        cases,
        catalogue,
        writer,
        uploads=providers.uploads or NoUploads(),
        licences=providers.licences,
        calendar=config.calendar,
        clock=config.clock,
    )
    desk = OfficerDesk(
        cases,
        catalogue,
        writer,
        providers.officers,
        reads=providers.reads,
        licences=providers.licences,
        calendar=config.calendar,
        clock=config.clock,
    )
    return Wired(
        repositories=[cases],
        services=[
            applying,
            desk,
            FollowUps(cases, providers.officers, writer),
            StatisticsService(cases, providers.officers, config.calendar, clock=config.clock),
        ],
    )
