"""The directory's one wiring point: its repository and service over the open database."""

from __future__ import annotations

from directory.repository import Database, DepartmentRepository
from directory.service import DirectoryService
from kit.wiring import Wired


def wire(database: Database) -> Wired:
    """The directory's repository (for its indexes) and service.

    The directory needs no configuration and talks to no other system: the departments
    are kept in our own database (the demo seeds them; an operator's import will).
    """
    departments = DepartmentRepository(database)
    return Wired(repositories=[departments], services=[DirectoryService(departments)])
