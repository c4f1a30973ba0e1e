"""The applications domain's collections (the only modules here that import the drivers)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]
Database = AsyncDatabase[Document]
"""The open database the domain's collections live in."""
