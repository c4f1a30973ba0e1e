"""The applications domain's one wiring point: its repositories and services over the database."""

from __future__ import annotations

from dataclasses import dataclass

from applications.repositories import Database
from applications.repositories.catalogue import CatalogueRepository
from applications.services.catalogue import CatalogueService
from kit.wiring import Wired


@dataclass(frozen=True, slots=True)
class ApplicationsClients:
    """The open clients the applications domain uses."""

    database: Database


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
    return Wired(repositories=[catalogue], services=[CatalogueService(catalogue)])
