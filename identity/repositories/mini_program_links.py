"""The ``mini_program_links`` collection: mini-program users linked to accounts."""

from __future__ import annotations

from datetime import UTC, datetime

from identity.models import Account
from identity.repositories import Database
from identity.repositories.accounts import AccountRepository


class MiniProgramLinkRepository:
    """Links keyed by ``platform:keyed-hash-of-openid``; one account per mini-program user."""

    def __init__(self, database: Database, accounts: AccountRepository) -> None:
        self._links = database["mini_program_links"]
        self._accounts = accounts

    async def ensure_indexes(self) -> None:
        """Find an account's links (for unlinking when the account closes)."""
        await self._links.create_index("account_id", name="account")

    async def account_of(self, link_id: str) -> Account | None:
        """The account linked to this mini-program user, if any."""
        doc = await self._links.find_one({"_id": link_id})
        return await self._accounts.get(doc["account_id"]) if doc is not None else None

    async def link(self, link_id: str, account_id: str) -> None:
        """Link (or re-link) the mini-program user to ``account_id``."""
        await self._links.update_one(
            {"_id": link_id},
            {"$set": {"account_id": account_id, "linked_at": datetime.now(UTC)}},
            upsert=True,
        )
