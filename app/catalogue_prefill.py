"""The life record's prefill reads the applications domain's catalogue through this adapter.

Neither domain imports the other for it: the life record declares what it needs
(:class:`~liferecord.adapters.catalogue.PrefillCatalogue`), the composition root
answers it over :class:`~applications.services.catalogue.CatalogueService`.
"""

from __future__ import annotations

from applications.services.catalogue import CatalogueService
from liferecord.adapters.catalogue import CatalogueEntry, CatalogueField


class CataloguePrefill:
    """A :class:`~liferecord.adapters.catalogue.PrefillCatalogue` over the service catalogue."""

    def __init__(self, catalogue: CatalogueService) -> None:
        self._catalogue = catalogue

    async def prefill_entry(self, code: str) -> CatalogueEntry | None:
        """The item's form fields that carry a prefill key, in form order; ``None`` if unknown."""
        item = await self._catalogue.item(code)
        if item is None:
            return None
        return CatalogueEntry(
            code=item.code,
            name=item.name,
            fields=tuple(
                CatalogueField(prefill_key=field.prefill_key, label=field.label)
                for field in item.form_fields
                if field.prefill_key is not None
            ),
        )
