"""Expected failures of the directory, each with a machine-readable code."""

from __future__ import annotations


class DirectoryError(Exception):
    """Base of the directory's expected failures."""

    code = "DIRECTORY_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidPageSize(DirectoryError):
    """The requested page size is outside the allowed range."""

    code = "INVALID_PAGE_SIZE"
