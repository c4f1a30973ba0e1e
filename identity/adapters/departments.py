"""The department directory as identity sees it: which department codes exist.

Identity must not import the directory domain; the composition root implements this
Protocol over the directory's service.
"""

from __future__ import annotations

from typing import Protocol


class DepartmentDirectory(Protocol):
    """Answers whether a department code exists (checked when a role is granted)."""

    async def exists(self, code: str) -> bool:
        """Whether the directory holds a department with ``code``."""
        ...
