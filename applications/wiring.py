"""The applications domain's one wiring point: its repositories and services over the database."""

from __future__ import annotations

from dataclasses import dataclass

from applications.adapters.storage import MaterialStorage
from applications.repositories import Database
from applications.repositories.catalogue import CatalogueRepository
from applications.repositories.uploads import UploadRepository
from applications.services.catalogue import CatalogueService
from applications.services.uploads import UploadService
from infra.crypto import FieldCipher
from infra.objectstore import ObjectStore
from kit.wiring import Wired


@dataclass(frozen=True, slots=True)
class ApplicationsClients:
    """The open clients the applications domain uses."""

    database: Database
    objects: ObjectStore
    """The object store uploaded materials live in."""
    material_cipher: FieldCipher
    """Seals uploaded materials and their file names at rest."""


@dataclass(frozen=True, slots=True)
class ApplicationsConfig:
    """The domain's own settings (none yet: the catalogue is read-only data)."""


@dataclass(frozen=True, slots=True)
class ApplicationsProviders:
    """Adapter slots (none yet: the catalogue is kept in our own database)."""


def wire(
    clients: ApplicationsClients, config: ApplicationsConfig, providers: ApplicationsProviders
) -> Wired:
    """The catalogue's repository (for its indexes) and service (for the registry)."""
    catalogue = CatalogueRepository(clients.database)
    catalogue_service = CatalogueService(catalogue)
    uploads = UploadRepository(clients.database, clients.material_cipher)
    upload_service = UploadService(
        uploads, MaterialStorage(clients.objects), catalogue_service, clients.material_cipher
    )
    return Wired(repositories=[catalogue, uploads], services=[catalogue_service, upload_service])
