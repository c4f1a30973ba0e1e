"""Builds the wallet from the open clients, its configuration and its providers.

The composition root calls :func:`wire` once at start-up; nothing else constructs a
wallet repository or service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra.crypto import FieldCipher, KeyedHash
from kit.outbox_repository import OutboxRepository
from kit.ratelimit import Limiter
from kit.wiring import Wired
from wallet.adapters.sources import DepartmentLicenceSource
from wallet.loading import LicenceSourceLoader
from wallet.presentations import PresentationService
from wallet.repositories.shares import ShareRepository
from wallet.repositories.verifications import VerificationRepository
from wallet.repository import Database, LicenceRepository
from wallet.seals import SealKeyring
from wallet.service import WalletService
from wallet.shares import ShareService


@dataclass(frozen=True, slots=True)
class WalletClients:
    """The open database and the keys derived for the wallet from the master secret."""

    database: Database
    content_cipher: FieldCipher
    """Encrypts each licence's number and fields, bound to its URI."""
    lookup: KeyedHash
    """Hashes document numbers into the URIs' document ids (and share links, addresses)."""
    limiter: Limiter
    """Counts public checks per client address (shared by every instance)."""


@dataclass(frozen=True, slots=True)
class WalletConfig:
    """What the deployment decides for the wallet (the app reads it from its settings)."""

    seals: SealKeyring
    """Every department's seal keys, as the environment allows them (see app.services)."""


@dataclass(frozen=True, slots=True)
class WalletProviders:
    """The wallet's adapter slots."""

    licence_sources: Sequence[DepartmentLicenceSource] = ()
    """The departments whose own systems hold licences (loaded by :class:`LicenceSourceLoader`)."""


def wire(clients: WalletClients, config: WalletConfig, providers: WalletProviders) -> Wired:
    """The wallet's repositories (for index creation) and services (for the registry)."""
    outbox = OutboxRepository(clients.database)
    licences = LicenceRepository(clients.database, outbox)
    verifications = VerificationRepository(clients.database)
    service = WalletService(licences, config.seals, clients.content_cipher, clients.lookup)
    presentations = PresentationService(
        service, verifications, clients.content_cipher, clients.limiter, clients.lookup
    )
    shares = ShareRepository(clients.database)
    sharing = ShareService(service, presentations, shares, clients.content_cipher, clients.lookup)
    loader = LicenceSourceLoader(service, providers.licence_sources)
    return Wired(
        repositories=[licences, outbox, verifications, shares],
        services=[service, presentations, sharing, loader],
    )
