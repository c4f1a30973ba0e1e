"""The applications domain's one wiring point: its repositories and services over the database."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from applications.adapters.ports import (
    ApplicantLicences,
    DisputeResolutions,
    MaterialUploads,
    OfficerReads,
    UploadFacts,
)
from applications.adapters.storage import MaterialStorage
from applications.calendar import WorkingDayCalendar
from applications.repositories import Database
from applications.repositories.cases import CaseRepository
from applications.repositories.catalogue import CatalogueRepository
from applications.repositories.uploads import UploadRepository
from applications.services.applying import ApplicationService
from applications.services.catalogue import CatalogueService
from applications.services.changes import CaseWriter
from applications.services.desk import FollowUps, OfficerDesk
from applications.services.reminders import DueSoonScan
from applications.services.statistics import StatisticsService
from applications.services.uploads import UploadService
from identity.services.officers import OfficerService
from infra.crypto import FieldCipher
from infra.objectstore import ObjectStore
from kit.wiring import Wired


def _now() -> datetime:
    return datetime.now(UTC)


class VerifiedUploads:
    """The case services' view of the upload service: the applicant's verified uploads."""

    def __init__(self, uploads: UploadService) -> None:
        self._uploads = uploads

    async def usable(self, account_id: str, upload_ids: Sequence[str]) -> Mapping[str, UploadFacts]:
        """Those of ``upload_ids`` the account uploaded and the server verified (one query)."""
        found = await self._uploads.usable_uploads(account_id, list(dict.fromkeys(upload_ids)))
        return {
            upload_id: UploadFacts(upload.material_code, upload.content_type)
            for upload_id, upload in found.items()
        }


@dataclass(frozen=True, slots=True)
class ApplicationsClients:
    """The open clients the applications domain uses."""

    database: Database
    objects: ObjectStore
    """The object store uploaded materials live in."""
    material_cipher: FieldCipher
    """Seals uploaded materials and their file names at rest."""
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
    disputes: DisputeResolutions | None = None
    uploads: MaterialUploads | None = None


def wire(
    clients: ApplicationsClients, config: ApplicationsConfig, providers: ApplicationsProviders
) -> Wired:
    """The catalogue and uploads (other domains read the catalogue early)."""
    catalogue = CatalogueRepository(clients.database)
    catalogue_service = CatalogueService(catalogue)
    uploads = UploadRepository(clients.database, clients.material_cipher)
    upload_service = UploadService(
        uploads, MaterialStorage(clients.objects), catalogue_service, clients.material_cipher
    )
    return Wired(repositories=[catalogue, uploads], services=[catalogue_service, upload_service])


def wire_cases(
    clients: ApplicationsClients,
    config: ApplicationsConfig,
    providers: ApplicationsProviders,
    *,
    catalogue: CatalogueService,
    uploads: UploadService,
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
        or providers.disputes is None
    ):
        raise ValueError("the case services need a cipher, officers, licences and reads")
    cases = CaseRepository(clients.database, clients.cipher)
    writer = CaseWriter(cases, config.calendar, clock=config.clock)
    applying = ApplicationService(
        cases,
        catalogue,
        writer,
        uploads=providers.uploads or VerifiedUploads(uploads),
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
        disputes=providers.disputes,
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
            DueSoonScan(cases, config.calendar, clock=config.clock),
        ],
    )
