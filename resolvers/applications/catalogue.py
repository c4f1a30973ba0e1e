"""``serviceItems``, ``serviceItem``, ``bundles`` and ``bundle``: the catalogue, open to anyone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from applications import models
from applications.errors import ApplicationsError
from applications.services.catalogue import CatalogueService
from directory import models as directory_models
from kit.text import Localized
from resolvers.context import Info
from resolvers.directory import DEPARTMENT_BY_CODE, department_type
from resolvers.errors import public_error
from schema.applications import (
    Bundle,
    BundleFormField,
    BundleMaterial,
    BundleSavings,
    Fee,
    FormField,
    Material,
    ServiceItem,
)
from schema.common import (
    Connection,
    Edge,
    LocalizedText,
    connection,
    decode_cursor,
    encode_cursor,
)

CURSOR_KIND = "service_item"

Departments = dict[str, directory_models.Department | None]


def _text(value: Localized) -> LocalizedText:
    return LocalizedText(zh=value.zh, en=value.en)


def _material(material: models.Material) -> Material:
    return Material(
        key=material.key,
        name=_text(material.name),
        formats=list(material.formats),
        max_bytes=material.max_bytes,
        e_licence_type=material.e_licence_type,
    )


def item_type(item: models.ServiceItem, departments: Departments) -> ServiceItem:
    """The GraphQL view of a catalogue item (its department looked up beforehand)."""
    department = departments.get(item.department_code)
    return ServiceItem(
        code=item.code,
        name=_text(item.name),
        department_code=item.department_code,
        department=department_type(department) if department is not None else None,
        legal_limit_days=item.legal_limit_days,
        committed_limit_days=item.committed_limit_days,
        steps=item.steps,
        materials=[_material(material) for material in item.materials],
        form_fields=[
            FormField(
                key=field.key,
                label=_text(field.label),
                schema=JSON(field.schema),
                required=field.required,
                prefill_key=field.prefill_key,
            )
            for field in item.form_fields
        ],
        form_schema=JSON(item.form_schema),
        fees=[Fee(amount=str(fee.amount), description=_text(fee.description)) for fee in item.fees],
        free=item.free,
        needs_assurance_level3=item.needs_assurance_level_3,
        enterprise_agents_may_apply=item.agent_scope is not None,
        agent_scope=item.agent_scope,
    )


def bundle_type(view: models.BundleView, departments: Departments) -> Bundle:
    """The GraphQL view of a bundle and what is computed from it."""
    savings = view.savings
    return Bundle(
        code=view.bundle.code,
        name=_text(view.bundle.name),
        items=[item_type(item, departments) for item in view.items],
        form=[
            BundleFormField(
                key=entry.field.key,
                label=_text(entry.field.label),
                schema=JSON(entry.field.schema),
                required=entry.field.required,
                prefill_key=entry.field.prefill_key,
                item_codes=list(entry.item_codes),
            )
            for entry in view.form
        ],
        form_schema=JSON(view.form_schema),
        materials=[
            BundleMaterial(material=_material(entry.material), item_codes=list(entry.item_codes))
            for entry in view.materials
        ],
        time_limit_days=view.time_limit_days,
        steps=view.steps,
        savings=BundleSavings(
            steps=savings.steps,
            materials=savings.materials,
            days=savings.days,
            steps_percent=savings.steps_percent,
            materials_percent=savings.materials_percent,
            days_percent=savings.days_percent,
            steps_alone=savings.steps_alone,
            materials_alone=savings.materials_alone,
            days_alone=savings.days_alone,
        ),
    )


async def _departments(info: Info, items: Sequence[models.ServiceItem]) -> Departments:
    """The items' departments in one batched load."""
    codes = list(dict.fromkeys(item.department_code for item in items))
    found = await info.context.loader(DEPARTMENT_BY_CODE).load_many(codes)
    return dict(zip(codes, found, strict=True))


@strawberry.type
class CatalogueQuery:
    """Read the service catalogue and its one-thing bundles (no sign-in needed)."""

    @strawberry.field(
        description="Service items in code order, at most "
        f"{models.MAX_PAGE_SIZE} a page; open to anyone. `search` keeps the items whose zh or "
        "en name contains every word of it (case-insensitive). A page size outside 1 to "
        f"{models.MAX_PAGE_SIZE} is the error `INVALID_PAGE_SIZE`, a search over "
        f"{models.MAX_SEARCH_LENGTH} characters `SEARCH_TOO_LONG`, a bad cursor `INVALID_CURSOR`."
    )
    async def service_items(
        self,
        info: Info,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Words to find in the zh or en name (e.g. 餐饮, water)."
            ),
        ] = None,
        first: Annotated[
            int, strawberry.argument(description=f"Page size, 1 to {models.MAX_PAGE_SIZE}.")
        ] = 20,
        after: Annotated[
            str | None,
            strawberry.argument(description="Cursor of the last item of the previous page."),
        ] = None,
    ) -> Connection[ServiceItem]:
        """One page of the catalogue."""
        after_code = decode_cursor(CURSOR_KIND, after) if after is not None else None
        try:
            page = await info.context.service(CatalogueService).search(
                search=search, first=first, after_code=after_code
            )
        except ApplicationsError as error:
            raise public_error(error) from error
        departments = await _departments(info, page.items)
        edges = [
            Edge(cursor=encode_cursor(CURSOR_KIND, item.code), node=item_type(item, departments))
            for item in page.items
        ]
        return connection(edges, has_next_page=page.has_next_page)

    @strawberry.field(description="One service item by its code, or null when there is none.")
    async def service_item(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="Standard item code.")],
    ) -> ServiceItem | None:
        """Look one item up."""
        item = await info.context.service(CatalogueService).item(code)
        if item is None:
            return None
        return item_type(item, await _departments(info, [item]))

    @strawberry.field(description="Every one-thing bundle (一件事), in code order.")
    async def bundles(self, info: Info) -> list[Bundle]:
        """All bundles with their computed form, materials, limit and savings."""
        views = await info.context.service(CatalogueService).bundles()
        departments = await _departments(info, [item for view in views for item in view.items])
        return [bundle_type(view, departments) for view in views]

    @strawberry.field(description="One bundle by its code, or null when there is none.")
    async def bundle(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="The bundle's code.")],
    ) -> Bundle | None:
        """Look one bundle up."""
        view = await info.context.service(CatalogueService).bundle(code)
        if view is None:
            return None
        return bundle_type(view, await _departments(info, view.items))
