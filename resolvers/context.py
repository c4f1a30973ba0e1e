"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from directory.models import Department
from directory.service import DirectoryService


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling.

    Until sign-in lands (identity issue) every caller is anonymous; the field is here so
    that resolvers already take the principal from the context and nowhere else.
    """

    subject: str | None = None

    @property
    def is_anonymous(self) -> bool:
        """True when no one is signed in."""
        return self.subject is None


ANONYMOUS = Principal()


@dataclass(frozen=True, slots=True)
class Services:
    """The domain services, one shared instance each, built at start-up."""

    directory: DirectoryService


class Loaders:
    """Per-request DataLoaders: each batches and caches within one request only."""

    def __init__(self, services: Services) -> None:
        self.department_by_code: DataLoader[str, Department | None] = DataLoader(
            load_fn=services.directory.departments_by_code, max_batch_size=100
        )


class Context(BaseContext):
    """Built once per request (or per WebSocket connection) by the composition root."""

    def __init__(self, *, services: Services, principal: Principal = ANONYMOUS) -> None:
        super().__init__()
        self.services = services
        self.principal = principal
        self.loaders = Loaders(services)


Info = StrawberryInfo[Context, None]
