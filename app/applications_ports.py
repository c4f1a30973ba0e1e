"""The applications domain's view of the wallet and of the citizen's access log.

Applications reference e-licences instead of uploads and issue licences on approval
through the wallet's service; officers' reads of an application land in the
applicant's access log kept by the life record. Neither domain imports the other's
internals for this: these adapters are the bridge, wired by the composition root.
"""

from __future__ import annotations

from datetime import datetime

from applications.adapters.ports import LicenceFacts, LicenceGrant
from applications.calendar import city_date
from applications.services.applying import ApplicationService
from identity.services.sign_in import SignInService
from liferecord.errors import DisputeNotFound
from liferecord.models import Citizen, Dispute, Reader
from liferecord.services.corrections import RecordCorrections
from liferecord.services.data_tracker import DataTracker
from wallet.errors import LicenceAlreadyIssued, LicenceNotFound
from wallet.models import Holder, HolderKind, LicenceStatus, LicenceType
from wallet.service import IssueRequest, WalletService


class WalletLicences:
    """Licences an applicant holds (or the enterprise it acts for), and issuing results."""

    def __init__(self, wallet: WalletService) -> None:
        self._wallet = wallet

    async def held(self, account_id: str, enterprise: str | None, uri: str) -> LicenceFacts | None:
        """The licence's facts when the account or ``enterprise`` holds it, else ``None``."""
        if len(uri) > 300:
            return None
        try:
            licence = await self._wallet.licence(uri)
        except LicenceNotFound:
            return None
        holder = licence.holder
        mine = (holder.kind is HolderKind.CITIZEN and holder.id == account_id) or (
            enterprise is not None
            and holder.kind is HolderKind.ENTERPRISE
            and holder.id == enterprise
        )
        if not mine:
            return None
        status = licence.status_on(city_date(datetime.now().astimezone()))
        return LicenceFacts(type=licence.type.value, valid=status is LicenceStatus.VALID)

    async def issue(self, grant: LicenceGrant) -> str:
        """Issue the licence (again: the same URI, found rather than issued twice)."""
        holder = (
            Holder(HolderKind.ENTERPRISE, grant.holder_enterprise)
            if grant.holder_enterprise
            else Holder(HolderKind.CITIZEN, grant.holder_account_id)
        )
        licence_type = LicenceType(grant.type)
        try:
            issued = await self._wallet.issue(
                IssueRequest(
                    type=licence_type,
                    holder=holder,
                    issuer=grant.issuer,
                    number=grant.number,
                    issued_on=grant.issued_on,
                    expires_on=None,
                    fields=grant.fields,
                )
            )
        except LicenceAlreadyIssued:
            return self._wallet.licence_uri(grant.issuer, licence_type, grant.number)
        return issued.uri


class CaseFollowers:
    """Who may follow a case live (``caseProgress``): its applicant."""

    def __init__(self, applications: ApplicationService) -> None:
        self._applications = applications

    async def may_see(self, account_id: str, case_id: str) -> bool:
        """Whether the account applied for the case."""
        return await self._applications.visible_to(account_id, case_id)


class AccessLogReads:
    """Officers' reads of an application, written to the applicant's access log."""

    def __init__(self, tracker: DataTracker) -> None:
        self._tracker = tracker

    async def record(
        self,
        account_id: str,
        *,
        officer_id: str,
        department_code: str,
        reference: str,
        at: datetime,
    ) -> None:
        """Log the read before the content is shown (a failure fails the read)."""
        await self._tracker.record_read(
            account_id,
            Reader(
                kind="officer",
                id=officer_id,
                display_name=f"{department_code} 工作人员 (officer)",
                purpose=f"办理申请 {reference} (processing application)",
            ),
            at,
        )


class DisputeCases:
    """New disputes become correction cases in the department's queue."""

    def __init__(self, applications: ApplicationService) -> None:
        self._applications = applications

    async def opened(self, dispute: Dispute) -> None:
        """Open the dispute's correction case (idempotent per dispute)."""
        await self._applications.open_correction(
            account_id=dispute.account_id,
            dispute_id=dispute.id,
            department_code=dispute.department_code,
            section=dispute.section.value,
            field=dispute.field,
        )


class RecordDisputeResolutions:
    """A correction case's outcome, applied to the life record and the dispute."""

    def __init__(self, corrections: RecordCorrections, accounts: SignInService) -> None:
        self._corrections = corrections
        self._accounts = accounts

    async def correct(
        self,
        account_id: str,
        dispute_id: str,
        *,
        department_code: str,
        value: str,
        note: str | None,
    ) -> None:
        """Correct the value at its source, drop the cached section, resolve the dispute."""
        account = await self._accounts.account_by_id(account_id)
        if account is None or account.real_name is None:
            raise DisputeNotFound(field="disputeId")
        citizen = Citizen(account_id=account.id, id_number=account.real_name.id_number)
        await self._corrections.correct(
            citizen, dispute_id, department_code=department_code, value=value, note=note
        )

    async def reject(
        self, account_id: str, dispute_id: str, *, department_code: str, note: str
    ) -> None:
        """Reject the dispute with the department's reason."""
        await self._corrections.reject(dispute_id, department_code=department_code, note=note)
