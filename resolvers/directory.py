"""Queries of the department directory."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.dataloader import DataLoader

from directory import models
from directory.errors import DirectoryError
from directory.service import DirectoryService
from kit.text import Localized
from resolvers.context import Info, LoaderKey
from resolvers.errors import public_error
from schema.common import (
    Connection,
    Edge,
    LocalizedText,
    connection,
    decode_cursor,
    encode_cursor,
)
from schema.directory import Department, DepartmentContact, DepartmentKind

CURSOR_KIND = "department"
MAX_PAGE_SIZE = 50

DEPARTMENT_BY_CODE: LoaderKey[str, models.Department | None] = LoaderKey(
    "department_by_code",
    lambda services: DataLoader(
        load_fn=services.get(DirectoryService).departments_by_code, max_batch_size=100
    ),
)
"""Departments by code, batched per request (provenance names them on every value)."""


VIEW_CACHE_SIZE = 1000
"""Views of this many directory records are kept (the city has a few dozen)."""


def _text(value: Localized) -> LocalizedText:
    return LocalizedText(zh=value.zh, en=value.en)


def _view(department: models.Department) -> Department:
    contact = department.contact
    return Department(
        code=department.code,
        name=_text(department.name),
        short_name=_text(department.short_name),
        kind=DepartmentKind(department.kind.value),
        contact=DepartmentContact(
            phone=contact.phone,
            address=_text(contact.address),
            office_hours=_text(contact.office_hours),
            website=contact.website,
        ),
    )


# A record is a frozen value and its views are never changed once built, so one set of
# views per record serves every request. Kept by code with the record they were built
# from: the same record object (in memory) is found for a dict look-up, an equal copy
# read again from the database for one comparison (~1.5 µs), where building the six
# objects and the cursor costs ~4.5 µs. A record changed by an import no longer
# compares equal, and gets new views.
_VIEWS: dict[str, tuple[models.Department, Department, Edge[Department]]] = {}


def _views(department: models.Department) -> tuple[models.Department, Department, Edge[Department]]:
    kept = _VIEWS.get(department.code)
    if kept is not None and (kept[0] is department or kept[0] == department):
        return kept
    view = _view(department)
    edge = Edge(cursor=encode_cursor(CURSOR_KIND, department.code), node=view)
    if len(_VIEWS) >= VIEW_CACHE_SIZE:
        _VIEWS.clear()
    kept = _VIEWS[department.code] = (department, view, edge)
    return kept


def department_type(department: models.Department) -> Department:
    """The GraphQL view of a directory record (shared between requests: never modify it)."""
    return _views(department)[1]


def department_edge(department: models.Department) -> Edge[Department]:
    """A record's edge in the directory's connection, with its cursor (shared, as
    :func:`department_type`'s views)."""
    return _views(department)[2]


@strawberry.type
class DirectoryQuery:
    """Read the directory of departments."""

    @strawberry.field(
        description=f"Departments and public utilities in code order, at most {MAX_PAGE_SIZE} "
        "a page."
    )
    async def departments(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description=f"Page size, 1 to {MAX_PAGE_SIZE}.")
        ] = 20,
        after: Annotated[
            str | None,
            strawberry.argument(description="Cursor of the last item of the previous page."),
        ] = None,
        kind: Annotated[
            DepartmentKind | None, strawberry.argument(description="Only departments of this kind.")
        ] = None,
    ) -> Connection[Department]:
        """One page of the directory."""
        after_code = decode_cursor(CURSOR_KIND, after) if after is not None else None
        try:
            page = await info.context.service(DirectoryService).list_departments(
                first=first,
                after_code=after_code,
                kind=models.DepartmentKind(str(kind.value)) if kind is not None else None,
            )
        except DirectoryError as error:
            raise public_error(error) from error
        return connection(
            [department_edge(item) for item in page.items], has_next_page=page.has_next_page
        )

    @strawberry.field(description="One department by its code, or null when there is none.")
    async def department(
        self,
        info: Info,
        code: Annotated[str, strawberry.argument(description="Department code.")],
    ) -> Department | None:
        """Look one department up (batched with any others in the same request)."""
        found = await info.context.loader(DEPARTMENT_BY_CODE).load(code)
        return department_type(found) if found is not None else None
