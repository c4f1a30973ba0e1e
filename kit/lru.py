"""A bounded least-recently-used map, for the caches kept in a process across requests
(the schema's plans and validations, identity's remembered sign-ins)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, ValuesView
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedLru(Generic[K, V]):
    """At most ``maxsize`` entries; the one used longest ago goes first."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The entry for ``key``, made (and kept) on first use."""
        entries = self._entries
        try:
            value = entries[key]
        except KeyError:
            value = make()
            entries[key] = value
            if len(entries) > self.maxsize:
                entries.popitem(last=False)
            return value
        entries.move_to_end(key)
        return value

    def get(self, key: K) -> V | None:
        """The entry for ``key`` (now the most recently used), or ``None``."""
        entries = self._entries
        value = entries.get(key)
        if value is not None:
            entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key``, the oldest entry going when there are too many."""
        entries = self._entries
        entries[key] = value
        entries.move_to_end(key)
        if len(entries) > self.maxsize:
            entries.popitem(last=False)

    def pop(self, key: K) -> V | None:
        """Take ``key``'s entry out, if there is one."""
        return self._entries.pop(key, None)

    def values(self) -> ValuesView[V]:
        """The entries, the one used longest ago first (nothing is touched)."""
        return self._entries.values()

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()
