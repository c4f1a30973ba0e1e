"""The access log: who read whose life record, and why (cf. Estonia's Data Tracker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kit.paging import Page
from liferecord.models.sections import Section


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One read of a citizen's record by someone else."""

    id: str
    reader_kind: str
    reader_id: str
    reader_name: str
    purpose: str
    sections: tuple[Section, ...]
    at: datetime


AccessPage = Page[AccessEntry]
"""A page of a citizen's access log, newest first."""
