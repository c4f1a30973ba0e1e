"""The shared services of a running app, found by their class.

Each domain's wiring hands over its services; the composition root puts them in one
registry and resolvers ask for the class they need (``registry.get(SignInService)``),
so adding a domain adds no field to any central list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


class ServiceRegistry:
    """One shared instance per service class (also found by its base classes)."""

    def __init__(self, services: Iterable[object]) -> None:
        self._services = tuple(services)
        self._by_class: dict[type, object] = {}
        ambiguous: set[type] = set()
        for service in self._services:
            for kind in type(service).__mro__[:-1]:
                if kind in self._by_class and self._by_class[kind] is not service:
                    ambiguous.add(kind)
                self._by_class[kind] = service
        for kind in ambiguous:
            # Two services share this base: asking for it would be a guess.
            del self._by_class[kind]

    def get(self, kind: type[T]) -> T:
        """The service of class ``kind`` (a bug, not a user error, when there is none)."""
        service = self._by_class.get(kind)
        if not isinstance(service, kind):
            raise LookupError(f"no single {kind.__name__} is wired")
        return service

    def find(self, kind: type[T]) -> T | None:
        """The service of class ``kind``, or ``None`` when none is wired (optional parts)."""
        service = self._by_class.get(kind)
        return service if isinstance(service, kind) else None

    def replacing(self, service: object) -> ServiceRegistry:
        """A copy where ``service`` takes the place of the one of its class (tests)."""
        kind = type(service)
        kept = [s for s in self._services if not isinstance(s, kind)]
        return ServiceRegistry([*kept, service])

    def __iter__(self) -> Iterator[object]:
        return iter(self._services)
