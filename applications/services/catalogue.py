"""Reading the catalogue, and what a one-thing bundle is computed to be from its items.

The bundle rules are pure functions, so they are checked without a database:

- **One form:** each declared field key is asked once, in the order the items first
  declare it; a key is required when any item requires it, and the first item's
  schema and label serve.
- **One materials list:** each material key is asked once, in first-declared order.
- **Time limit:** the departments process their parts in parallel, so the bundle takes
  the longest committed limit of its items (working days).
- **Steps:** an item applied for alone costs its own published steps; the bundle is one
  form, one submission and one collection for all its items, so it costs the steps of
  its longest item path (the largest of its items' steps).
- **Savings** against applying item by item: steps (sum of the items' steps minus the
  bundle's), materials (sum of the items' material counts minus the bundle's unique
  materials), days (sum of the items' committed limits minus the bundle's limit).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from applications.errors import InvalidPageSize, SearchTooLong
from applications.models import (
    MAX_CODE_LENGTH,
    MAX_PAGE_SIZE,
    MAX_SEARCH_LENGTH,
    Bundle,
    BundleField,
    BundleMaterial,
    BundleView,
    FormField,
    Material,
    Savings,
    ServiceItem,
)
from applications.repositories.catalogue import CatalogueRepository
from kit.paging import Page

logger = logging.getLogger(__name__)


def bundle_form(items: Sequence[ServiceItem]) -> tuple[BundleField, ...]:
    """The bundle's one form: each declared key once, with the items that need it."""
    fields: dict[str, FormField] = {}
    needed_by: dict[str, list[str]] = {}
    for item in items:
        for field in item.form_fields:
            first = fields.get(field.key)
            if first is None:
                fields[field.key] = field
            elif field.required and not first.required:
                fields[field.key] = FormField(
                    key=first.key,
                    label=first.label,
                    schema=first.schema,
                    required=True,
                    prefill_key=first.prefill_key or field.prefill_key,
                )
            codes = needed_by.setdefault(field.key, [])
            if item.code not in codes:
                codes.append(item.code)
    return tuple(BundleField(field, tuple(needed_by[key])) for key, field in fields.items())


def bundle_materials(items: Sequence[ServiceItem]) -> tuple[BundleMaterial, ...]:
    """The bundle's one materials list: each material key once, with the items needing it."""
    materials: dict[str, Material] = {}
    needed_by: dict[str, list[str]] = {}
    for item in items:
        for material in item.materials:
            materials.setdefault(material.key, material)
            codes = needed_by.setdefault(material.key, [])
            if item.code not in codes:
                codes.append(item.code)
    return tuple(BundleMaterial(m, tuple(needed_by[key])) for key, m in materials.items())


def bundle_time_limit(items: Sequence[ServiceItem]) -> int:
    """Working days the bundle takes: its items run in parallel, so the longest committed."""
    return max((item.committed_limit_days for item in items), default=0)


def bundle_steps(items: Sequence[ServiceItem]) -> int:
    """Steps of the bundle: one path for all its items, as long as its longest item's."""
    return max((item.steps for item in items), default=0)


def bundle_savings(items: Sequence[ServiceItem]) -> Savings:
    """Steps, materials and days saved against applying for each item on its own."""
    steps_alone = sum(item.steps for item in items)
    materials_alone = sum(len(item.materials) for item in items)
    days_alone = sum(item.committed_limit_days for item in items)
    return Savings(
        steps=steps_alone - bundle_steps(items),
        materials=materials_alone - len(bundle_materials(items)),
        days=days_alone - bundle_time_limit(items),
        steps_alone=steps_alone,
        materials_alone=materials_alone,
        days_alone=days_alone,
    )


def bundle_view(bundle: Bundle, items: Sequence[ServiceItem]) -> BundleView:
    """The bundle with its items (in the bundle's order) and what follows from them."""
    return BundleView(
        bundle=bundle,
        items=tuple(items),
        form=bundle_form(items),
        materials=bundle_materials(items),
        time_limit_days=bundle_time_limit(items),
        steps=bundle_steps(items),
        savings=bundle_savings(items),
    )


def normalize_code(code: str) -> str | None:
    """A code as stored (trimmed, upper case), or ``None`` when it cannot be one."""
    normalized = code.strip().upper()
    return normalized if 0 < len(normalized) <= MAX_CODE_LENGTH else None


class CatalogueService:
    """Searches and reads the service catalogue and its bundles; anyone may read them."""

    max_page_size = MAX_PAGE_SIZE

    def __init__(self, repository: CatalogueRepository) -> None:
        self._repository = repository

    async def search(
        self, *, search: str | None, first: int, after_code: str | None = None
    ) -> Page[ServiceItem]:
        """One page of items in code order whose zh or en name holds every search token."""
        if not 1 <= first <= self.max_page_size:
            raise InvalidPageSize(field="first")
        text = (search or "").strip().lower()
        if len(text) > MAX_SEARCH_LENGTH:
            raise SearchTooLong(field="search")
        rows = await self._repository.page(
            search=text.split(), after_code=after_code, limit=first + 1
        )
        return Page.of(rows, first)

    async def item(self, code: str) -> ServiceItem | None:
        """The item with this code, or ``None``."""
        normalized = normalize_code(code)
        if normalized is None:
            return None
        return (await self._repository.items_by_code([normalized])).get(normalized)

    async def items_by_code(self, codes: Sequence[str]) -> list[ServiceItem | None]:
        """The items for ``codes``, in the same order (``None`` where unknown)."""
        found = await self._repository.items_by_code(codes)
        return [found.get(code) for code in codes]

    async def bundles(self) -> list[BundleView]:
        """Every bundle with its computed form, materials, limit and savings (two queries)."""
        bundles = await self._repository.bundles()
        items = await self._repository.items_by_code(
            [code for bundle in bundles for code in bundle.item_codes]
        )
        return [view for bundle in bundles if (view := self._view(bundle, items)) is not None]

    async def bundle(self, code: str) -> BundleView | None:
        """The bundle with this code and what is computed from it, or ``None``."""
        normalized = normalize_code(code)
        bundle = await self._repository.bundle(normalized) if normalized is not None else None
        if bundle is None:
            return None
        return self._view(bundle, await self._repository.items_by_code(bundle.item_codes))

    @staticmethod
    def _view(bundle: Bundle, items: dict[str, ServiceItem]) -> BundleView | None:
        missing = [code for code in bundle.item_codes if code not in items]
        if missing:
            # A catalogue data error: the bundle is withheld rather than shown incomplete.
            logger.warning("bundle %s names unknown items %s", bundle.code, missing)
            return None
        return bundle_view(bundle, [items[code] for code in bundle.item_codes])
