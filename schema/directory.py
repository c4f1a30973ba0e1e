"""GraphQL types of the department directory."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.common import LocalizedText


@strawberry.enum(description="What kind of body a department is.")
class DepartmentKind(Enum):
    """Government department or public-utility company."""

    GOVERNMENT = strawberry.enum_value("government", description="A government department.")
    PUBLIC_UTILITY = strawberry.enum_value(
        "public_utility", description="A water, power or gas company serving citizens."
    )


@strawberry.type(description="How citizens reach a department.")
class DepartmentContact:
    """Contact details of a department."""

    phone: str = strawberry.field(description="Service telephone number.")
    address: LocalizedText = strawberry.field(description="Service hall address.")
    office_hours: LocalizedText = strawberry.field(description="Opening hours of the hall.")
    website: str | None = strawberry.field(description="Official website, where there is one.")


@strawberry.type(description="A city department or public-utility company.")
class Department:
    """A department that owns data and handles service items."""

    code: str = strawberry.field(
        description="City-wide unique department code, used by the catalogue and the exchange."
    )
    name: LocalizedText = strawberry.field(description="Full official name.")
    short_name: LocalizedText = strawberry.field(description="Short name for lists and tabs.")
    kind: DepartmentKind = strawberry.field(description="Government department or utility.")
    contact: DepartmentContact = strawberry.field(description="How to reach it.")
