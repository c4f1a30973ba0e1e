"""Expected failures of the directory, each with a machine-readable code."""

from __future__ import annotations

from directory.models import MAX_PAGE_SIZE
from kit.errors import DomainError


class DirectoryError(DomainError):
    """Base of the directory's expected failures."""

    message_zh = "部门目录暂时无法读取"
    message_en = "The directory cannot be read just now"


class InvalidPageSize(DirectoryError):
    """The requested page size is outside the allowed range."""

    code = "INVALID_PAGE_SIZE"
    message_zh = f"每页条数须在 1 到 {MAX_PAGE_SIZE} 之间"
    message_en = f"first must be between 1 and {MAX_PAGE_SIZE}"
