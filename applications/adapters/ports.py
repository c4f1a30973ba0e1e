"""What the case services need from outside the domain, as small protocols.

Uploads (this domain's own upload service), the applicant's e-licences (the wallet) and
the citizen's access log (the life record) are wired by the composition root, so the
case services can be tested with any of them replaced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class UploadFacts:
    """What submission checks of a verified upload."""

    material_key: str
    content_type: str


class MaterialUploads(Protocol):
    """The applicant's verified uploads."""

    async def usable(self, account_id: str, upload_ids: Sequence[str]) -> Mapping[str, UploadFacts]:
        """Those of ``upload_ids`` the account uploaded and the server verified."""
        ...


@dataclass(frozen=True, slots=True)
class LicenceFacts:
    """What submission checks of an e-licence referenced instead of an upload."""

    type: str
    valid: bool


@dataclass(frozen=True, slots=True)
class LicenceGrant:
    """A licence to issue on approval: its type, holder, number, dates and fields."""

    type: str
    holder_enterprise: str | None
    """The USCC when an enterprise holds it, else ``None`` (the applicant's account)."""
    holder_account_id: str
    issuer: str
    number: str
    issued_on: date
    fields: Mapping[str, object]


class ApplicantLicences(Protocol):
    """The e-licences an applicant (or the enterprise it acts for) holds, and issuing."""

    async def held(self, account_id: str, enterprise: str | None, uri: str) -> LicenceFacts | None:
        """The licence's facts when the account or ``enterprise`` holds it, else ``None``."""
        ...

    async def issue(self, grant: LicenceGrant) -> str:
        """Issue the licence into the holder's wallet; returns its URI."""
        ...


class OfficerReads(Protocol):
    """The citizen's access log ("who looked at my data")."""

    async def record(
        self,
        account_id: str,
        *,
        officer_id: str,
        department_code: str,
        reference: str,
        at: datetime,
    ) -> None:
        """Log that an officer read the application ``reference`` of ``account_id``."""
        ...


class DisputeResolutions(Protocol):
    """The life record's side of a correction case: change the value, or reject."""

    async def correct(
        self,
        account_id: str,
        dispute_id: str,
        *,
        department_code: str,
        value: str,
        note: str | None,
    ) -> None:
        """Correct the disputed value at its source and resolve the dispute."""
        ...

    async def reject(
        self, account_id: str, dispute_id: str, *, department_code: str, note: str
    ) -> None:
        """Reject the dispute with the reason."""
        ...
