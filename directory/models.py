"""Records of the department directory."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kit.paging import Page
from kit.text import Localized

MAX_PAGE_SIZE = 50
"""The most departments one page of the directory holds."""


class DepartmentKind(StrEnum):
    """Whether the body is a government department or a public-utility company."""

    GOVERNMENT = "government"
    PUBLIC_UTILITY = "public_utility"


@dataclass(frozen=True, slots=True)
class Contact:
    """How citizens reach a department."""

    phone: str
    address: Localized
    office_hours: Localized
    website: str | None = None


@dataclass(frozen=True, slots=True)
class Department:
    """A department (or utility) that owns data and handles service items.

    ``code`` is the city-wide unique code used by the catalogue and the exchange.
    """

    code: str
    name: Localized
    short_name: Localized
    kind: DepartmentKind
    contact: Contact


DepartmentPage = Page[Department]
"""One page of the directory, in code order."""
