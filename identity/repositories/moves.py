"""Moving a verified identity between accounts: one transaction over four collections.

When the real holder of an ID number proves it with a face check, the identity leaves
the account that held it: that account's binding, sessions, agent grants (given and
received) and enterprise claims end together with the new binding, or not at all.
"""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from identity.models import RealName
from identity.repositories import Database
from identity.repositories.accounts import AccountRepository
from identity.repositories.audit import IdentityAudit

IDENTITY_MOVED = "identity_moved"


class _Changed(Exception):
    """The old binding or the new account changed under us: abort the transaction."""


class IdentityMoves:
    """Moves a real-name binding from one account to another, atomically."""

    def __init__(
        self, database: Database, accounts: AccountRepository, audit: IdentityAudit
    ) -> None:
        self._database = database
        self._accounts = accounts
        self._audit = audit

    async def move(
        self,
        *,
        from_account: str,
        to_account: str,
        real_name: RealName,
        id_hash: str,
        now: datetime,
    ) -> bool:
        """Unbind ``id_hash`` from ``from_account`` and bind it to ``to_account``.

        ``False`` (nothing written) when ``from_account`` no longer holds the number
        or ``to_account`` meanwhile got an identity of its own.
        """
        fields = self._accounts.document_fields_for_real_name(to_account, real_name, id_hash)
        db = self._database
        revoked = {"$set": {"revoked_at": now, "revoke_reason": IDENTITY_MOVED}}

        async def move(session: AsyncClientSession) -> None:
            released = await db["accounts"].update_one(
                {"_id": from_account, "real_name.id_hash": id_hash},
                {"$unset": {"real_name": ""}, "$set": {"real_name_released_at": now}},
                session=session,
            )
            if released.modified_count != 1:
                raise _Changed
            bound = await db["accounts"].update_one(
                {"_id": to_account, "real_name": None},
                {"$set": {"real_name": fields}},
                session=session,
            )
            if bound.modified_count != 1:
                raise _Changed
            await db["sessions"].update_many(
                {"account_id": from_account, "revoked_at": None}, revoked, session=session
            )
            await db["agent_grants"].update_many(
                {
                    "revoked_at": None,
                    "$or": [{"agent_account_id": from_account}, {"granted_by": from_account}],
                },
                {
                    "$set": {
                        "revoked_at": now,
                        "revoked_by": to_account,
                        "revoke_reason": IDENTITY_MOVED,
                    }
                },
                session=session,
            )
            await db["enterprises"].delete_many(
                {"legal_representative_account_id": from_account}, session=session
            )
            await self._audit.record(
                "real_name.moved",
                account_id=to_account,
                other_account_id=from_account,
                id_hash=id_hash,
                at=now,
                session=session,
            )

        try:
            async with self._database.client.start_session() as session:
                await session.with_transaction(move)
        except _Changed:
            return False
        finally:
            # Both accounts changed, and every session of the one that lost the identity.
            await self._accounts.marks.accounts_changed([from_account, to_account])
        return True
