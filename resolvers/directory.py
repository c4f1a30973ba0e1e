"""Queries of the department directory."""

from __future__ import annotations

import functools
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


# A record is a frozen value and its view is never changed once built, so one view per
# record serves every request: a look-up by the record's value (~1 µs, or ~2 µs for an
# equal copy read again from the database) instead of building six objects (~4 µs).
@functools.lru_cache(maxsize=VIEW_CACHE_SIZE)
def department_type(department: models.Department) -> Department:
    """The GraphQL view of a directory record (shared: never modify it)."""
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


@functools.lru_cache(maxsize=VIEW_CACHE_SIZE)
def department_edge(department: models.Department) -> Edge[Department]:
    """A record's edge in the directory's connection, with its cursor (shared, as
    :func:`department_type`'s views)."""
    return Edge(
        cursor=encode_cursor(CURSOR_KIND, department.code), node=department_type(department)
    )


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
