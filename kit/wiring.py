"""What one domain's wiring module hands the composition root.

Each domain has one module (``<domain>/wiring.py``) that, given the open clients, its
own configuration and its providers, builds its repositories and services. The
composition root (``app/``) calls each one, creates every repository's indexes and
puts every service in the :class:`~kit.registry.ServiceRegistry`; it lists no
repository or service by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class HasIndexes(Protocol):
    """A repository: it creates its collections' indexes (idempotent, on every start)."""

    async def ensure_indexes(self) -> None:
        """Create the indexes its queries rely on."""


@dataclass(frozen=True, slots=True)
class Wired:
    """A domain's repositories (for index creation) and services (for the registry)."""

    repositories: Sequence[HasIndexes]
    services: Sequence[object]
