"""The ``enterprises`` and ``agent_grants`` collections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from identity.models import AgentGrant, Enterprise
from identity.repositories import Database, Document
from kit.text import Localized

# A grant replaced by a newer one for the same agent and enterprise.
REPLACED = "replaced"
# Grants of a former legal representative, ended when the new one claims the enterprise.
REPRESENTATIVE_CHANGED = "representative_changed"
REVOKED_BY_REPRESENTATIVE = "revoked_by_representative"
# A grant loses a round only when a concurrent grant to the same agent is stored in
# between, and each of those is stored once: this many attempts always succeed for up
# to this many concurrent grants to one agent (more is abuse, answered as an error).
_GRANT_ATTEMPTS = 10


def _enterprise(doc: Document) -> Enterprise:
    return Enterprise(
        uscc=doc["_id"],
        name=Localized(zh=doc["name"]["zh"], en=doc["name"]["en"]),
        representative_account_id=doc["legal_representative_account_id"],
        representative_id_hash=doc["legal_representative_id_hash"],
        claimed_at=doc["claimed_at"],
    )


def _grant(doc: Document) -> AgentGrant:
    return AgentGrant(
        id=doc["_id"],
        uscc=doc["uscc"],
        agent_account_id=doc["agent_account_id"],
        agent_phone_masked=doc["agent_phone_masked"],
        scopes=frozenset(doc["scopes"]),
        expires_at=doc["expires_at"],
        granted_by=doc["granted_by"],
        granted_at=doc["granted_at"],
        revoked_at=doc.get("revoked_at"),
    )


def _unrevoked_and_unexpired(now: datetime) -> Document:
    return {"revoked_at": None, "expires_at": {"$gt": now}}


class EnterpriseRepository:
    """Claimed enterprises (keyed by USCC) and the agent grants of each.

    At most one unrevoked grant exists per agent and enterprise (a unique partial
    index); a new grant to the same agent replaces the old one.
    """

    def __init__(self, database: Database) -> None:
        self._enterprises = database["enterprises"]
        self._grants = database["agent_grants"]

    async def ensure_indexes(self) -> None:
        """Look-ups by representative, by agent and by enterprise; one live grant per pair."""
        await self._enterprises.create_index(
            "legal_representative_account_id", name="legal_representative"
        )
        await self._grants.create_index(
            [("agent_account_id", ASCENDING), ("uscc", ASCENDING)], name="agent_enterprise"
        )
        await self._grants.create_index(
            [("uscc", ASCENDING), ("revoked_at", ASCENDING)], name="enterprise_revoked"
        )
        await self._grants.create_index(
            [("uscc", ASCENDING), ("agent_account_id", ASCENDING)],
            unique=True,
            name="one_unrevoked_grant",
            partialFilterExpression={"revoked_at": {"$type": "null"}},
        )

    async def claim(
        self, uscc: str, name: Localized, account_id: str, id_hash: str, now: datetime
    ) -> tuple[Enterprise, bool]:
        """Record the caller as the enterprise's legal representative.

        The same representative claiming again changes nothing but the name; a claim
        held by anyone else is replaced. Returns the enterprise and whether it was
        taken over from a former representative.
        """
        fields = {
            "name": {"zh": name.zh, "en": name.en},
            "legal_representative_account_id": account_id,
        }
        same = await self._enterprises.find_one_and_update(
            {"_id": uscc, "legal_representative_id_hash": id_hash},
            {"$set": fields},
            return_document=ReturnDocument.AFTER,
        )
        if same is not None:
            return _enterprise(same), False
        claim = {**fields, "legal_representative_id_hash": id_hash, "claimed_at": now}
        try:
            before = await self._enterprises.find_one_and_update(
                {"_id": uscc}, {"$set": claim}, upsert=True, return_document=ReturnDocument.BEFORE
            )
        except DuplicateKeyError:
            # A concurrent first claim inserted it; ours now simply overwrites it.
            before = await self._enterprises.find_one_and_update(
                {"_id": uscc}, {"$set": claim}, return_document=ReturnDocument.BEFORE
            )
        taken_over = before is not None and before["legal_representative_id_hash"] != id_hash
        return _enterprise({"_id": uscc, **claim}), taken_over

    async def enterprise(self, uscc: str) -> Enterprise | None:
        """The claimed enterprise with this code."""
        doc = await self._enterprises.find_one({"_id": uscc})
        return None if doc is None else _enterprise(doc)

    async def enterprises(self, usccs: Sequence[str]) -> dict[str, Enterprise]:
        """The claimed enterprises among ``usccs``, by code (one query)."""
        if not usccs:
            return {}
        cursor = self._enterprises.find({"_id": {"$in": list(usccs)}})
        return {doc["_id"]: _enterprise(doc) async for doc in cursor}

    async def represented_by(self, account_id: str, *, limit: int) -> list[Enterprise]:
        """The enterprises this account has claimed as legal representative, by code."""
        cursor = (
            self._enterprises.find({"legal_representative_account_id": account_id})
            .sort("_id", ASCENDING)
            .limit(limit)
        )
        return [_enterprise(doc) async for doc in cursor]

    async def add_grant(self, grant: AgentGrant) -> None:
        """Store ``grant``, revoking any unrevoked grant to the same agent for the enterprise."""
        doc = {
            "_id": grant.id,
            "uscc": grant.uscc,
            "agent_account_id": grant.agent_account_id,
            "agent_phone_masked": grant.agent_phone_masked,
            "scopes": sorted(grant.scopes),
            "expires_at": grant.expires_at,
            "granted_by": grant.granted_by,
            "granted_at": grant.granted_at,
            "revoked_at": None,
        }
        for _ in range(_GRANT_ATTEMPTS):
            await self._grants.update_many(
                {
                    "uscc": grant.uscc,
                    "agent_account_id": grant.agent_account_id,
                    "revoked_at": None,
                },
                {
                    "$set": {
                        "revoked_at": grant.granted_at,
                        "revoked_by": grant.granted_by,
                        "revoke_reason": REPLACED,
                    }
                },
            )
            try:
                await self._grants.insert_one(doc)
            except DuplicateKeyError:
                continue  # a concurrent grant to the same agent got in between: replace it too
            return
        raise RuntimeError(f"could not store grant {grant.id}: concurrent grants kept winning")

    async def grant(self, grant_id: str) -> AgentGrant | None:
        """The grant with this id (revoked or not)."""
        doc = await self._grants.find_one({"_id": grant_id})
        return None if doc is None else _grant(doc)

    async def live_grant(
        self, uscc: str, agent_account_id: str, now: datetime
    ) -> AgentGrant | None:
        """The agent's unrevoked, unexpired grant for the enterprise, if any."""
        doc = await self._grants.find_one(
            {"agent_account_id": agent_account_id, "uscc": uscc, **_unrevoked_and_unexpired(now)}
        )
        return None if doc is None else _grant(doc)

    async def live_grants_of_agent(
        self, agent_account_id: str, now: datetime, *, limit: int
    ) -> list[AgentGrant]:
        """The agent's unrevoked, unexpired grants, by enterprise code."""
        cursor = (
            self._grants.find(
                {"agent_account_id": agent_account_id, **_unrevoked_and_unexpired(now)}
            )
            .sort("uscc", ASCENDING)
            .limit(limit)
        )
        return [_grant(doc) async for doc in cursor]

    async def live_grants_of_enterprise(
        self, uscc: str, now: datetime, *, limit: int
    ) -> list[AgentGrant]:
        """The enterprise's unrevoked, unexpired grants, newest first."""
        cursor = (
            self._grants.find({"uscc": uscc, **_unrevoked_and_unexpired(now)})
            .sort("granted_at", DESCENDING)
            .limit(limit)
        )
        return [_grant(doc) async for doc in cursor]

    async def revoke_grant(
        self, grant_id: str, *, uscc: str, by: str, now: datetime
    ) -> AgentGrant | None:
        """Revoke one unrevoked grant of the enterprise; ``None`` when there is none."""
        doc = await self._grants.find_one_and_update(
            {"_id": grant_id, "uscc": uscc, "revoked_at": None},
            {
                "$set": {
                    "revoked_at": now,
                    "revoked_by": by,
                    "revoke_reason": REVOKED_BY_REPRESENTATIVE,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else _grant(doc)

    async def revoke_grants_of_others(
        self, uscc: str, *, representative: str, now: datetime
    ) -> int:
        """Revoke every unrevoked grant of the enterprise made by anyone but ``representative``."""
        result = await self._grants.update_many(
            {"uscc": uscc, "revoked_at": None, "granted_by": {"$ne": representative}},
            {
                "$set": {
                    "revoked_at": now,
                    "revoked_by": representative,
                    "revoke_reason": REPRESENTATIVE_CHANGED,
                }
            },
        )
        return result.modified_count
