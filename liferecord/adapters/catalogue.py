"""What prefill needs of the service catalogue, which another domain owns.

The life record never imports the catalogue's domain: the composition root wires an
adapter over it that answers :class:`PrefillCatalogue` (``app/catalogue_prefill.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from kit.text import Localized


@dataclass(frozen=True, slots=True)
class CatalogueField:
    """A form field of a catalogue item that the life record can fill."""

    prefill_key: str
    """The life record's field key, ``<section>.<path>`` (``providentFund.balance``)."""
    label: Localized


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A catalogue item as prefill sees it: its code, name and prefillable fields in order."""

    code: str
    name: Localized
    fields: tuple[CatalogueField, ...]


class PrefillCatalogue(Protocol):
    """Looks service items up for prefill."""

    async def prefill_entry(self, code: str) -> CatalogueEntry | None:
        """The item with this (normalised) code, or ``None`` when the catalogue has none."""


class FixedCatalogue:
    """A catalogue held in memory (tests, and tools that run without the database)."""

    def __init__(self, entries: Iterable[CatalogueEntry]) -> None:
        self._entries: Mapping[str, CatalogueEntry] = {entry.code: entry for entry in entries}

    async def prefill_entry(self, code: str) -> CatalogueEntry | None:
        """The entry with this code, or ``None``."""
        return self._entries.get(code)
