"""The slot for departments' licence sources (the third way a licence is issued).

A department that keeps its licences in its own system (the police's resident ID and
driving licences, market regulation's business licences …) publishes them to the
wallet through a source: it yields one :class:`~wallet.service.IssueRequest` per
licence it holds, each naming that department as issuer. The wallet's
:class:`~wallet.loading.LicenceSourceLoader` seals and stores them; loading the same
source again issues nothing twice (a licence's URI is derived from its issuer, type
and document number).

Production reaches the departments through the city's data-sharing exchange (the
providers issue adds those adapters); the demo wires its own, from ``demo/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from wallet.service import IssueRequest


class DepartmentLicenceSource(Protocol):
    """One department's licences, as its own system holds them."""

    department_code: str
    """Directory code of the department: every licence yielded must name it as issuer."""

    def licences(self) -> AsyncIterator[IssueRequest]:
        """Every licence the department holds, one request each (any order).

        Raises anything when the department cannot be read; the loader reports the
        source as failed and keeps what it had already issued.
        """
        ...
