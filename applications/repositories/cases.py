"""Drafts, cases, sub-cases, their timeline, follow-ups and statistics counters.

Forms, reasons and comments are the applicant's or an officer's own words, so they rest
encrypted (each bound to its case). Every change a citizen can see is written in one
transaction with its timeline entry, its statistics counters and its outbox event.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from applications.calendar import Suspension
from applications.case_models import (
    Case,
    Draft,
    Rating,
    SubCase,
    SubjectKind,
    Supplement,
    SuppliedMaterial,
    TimelineEntry,
)
from applications.repositories import Database, Document
from applications.workflow import Action, Actor, CaseState, SubCaseState
from infra.crypto import FieldCipher
from kit.outbox import OutboxEvent
from kit.outbox_repository import OutboxRepository
from kit.text import Localized

COUNTER_FIELDS = ("received", "completed", "on_time", "working_days", "supplemented")
RATING_FIELDS = ("r1", "r2", "r3", "r4", "r5")


UNKNOWN_DUE = datetime(2999, 12, 31, tzinfo=UTC)
"""The sort key of a due date the official calendar does not reach yet (sorts last)."""


def due_key(due_at: datetime | None) -> datetime:
    """What a sub-case sorts by in its department's queue (unknown due dates last)."""
    return UNKNOWN_DUE if due_at is None else due_at


CASES_KEY_PURPOSE = "applications-cases/v1"
"""What the key sealing forms, reasons and comments is derived for (from the master secret)."""


class LostRace(Exception):
    """A guarded update matched nothing: someone changed the document first."""


@dataclass(slots=True)
class CounterChange:
    """Increments of one (department, item, day) statistics counter."""

    department_code: str
    item_code: str
    day: date
    inc: dict[str, int]


@dataclass(slots=True)
class Change:
    """One transaction: a guarded sub-case update, the case update, and what goes with them."""

    case_id: str
    case_version: int
    case_set: Document
    sub_case_id: str | None = None
    sub_case_version: int | None = None
    sub_case_set: Document = field(default_factory=dict)
    extra_sub_cases: list[tuple[str, int, Document]] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    counters: list[CounterChange] = field(default_factory=list)
    events: list[OutboxEvent] = field(default_factory=list)
    follow_ups: list[Document] = field(default_factory=list)


def _text(value: Localized) -> Document:
    return {"zh": value.zh, "en": value.en}


def _suspension_docs(suspensions: Sequence[Suspension]) -> list[Document]:
    return [{"start": s.start, "end": s.end} for s in suspensions]


def sub_case_document(sub: SubCase) -> Document:
    """The stored form of a sub-case (no personal data but the applicant's account id)."""
    return {
        "_id": sub.id,
        "case_id": sub.case_id,
        "reference": sub.reference,
        "applicant": sub.applicant_account_id,
        "department": sub.department_code,
        "items": list(sub.item_codes),
        "state": sub.state.value,
        "version": sub.version,
        "limit_days": sub.limit_days,
        "received_at": sub.received_at,
        "due_at": sub.due_at,
        "due_key": due_key(sub.due_at),
        "suspensions": _suspension_docs(sub.suspensions),
        "supplement": None,
        "supplements": sub.supplements,
        "decided_at": sub.decided_at,
        "licence_uri": sub.licence_uri,
        "due_soon_at": None,
    }


class CaseRepository:
    """The applications domain's case collections."""

    def __init__(self, database: Database, cipher: FieldCipher) -> None:
        self._database = database
        self._drafts = database["application_drafts"]
        self._cases = database["cases"]
        self._sub_cases = database["sub_cases"]
        self._timeline = database["case_timeline"]
        self._counters = database["case_counters"]
        self._follow_ups = database["case_follow_ups"]
        self._outbox = OutboxRepository(database)
        self._cipher = cipher

    async def ensure_indexes(self) -> None:
        """The indexes every query here is served from (idempotent)."""
        await self._drafts.create_index("purge_at", expireAfterSeconds=0, name="purge")
        await self._drafts.create_index([("account", ASCENDING), ("updated_at", DESCENDING)])
        await self._cases.create_index(
            [("applicant", ASCENDING), ("submitted_at", DESCENDING), ("_id", DESCENDING)],
            name="applicant_newest",
        )
        await self._cases.create_index(
            [("applicant", ASCENDING), ("client_key", ASCENDING)],
            name="client_key",
            unique=True,
        )
        await self._sub_cases.create_index(
            [("department", ASCENDING), ("due_key", ASCENDING), ("_id", ASCENDING)],
            name="queue_by_due_key",
        )
        await self._sub_cases.create_index(
            [("department", ASCENDING), ("state", ASCENDING), ("due_key", ASCENDING)],
            name="queue_state_by_due_key",
        )
        await self._sub_cases.create_index("case_id", name="case")
        await self._sub_cases.create_index(
            [("licence_pending", ASCENDING), ("decided_at", ASCENDING)],
            name="licence_pending",
            sparse=True,
        )
        await self._timeline.create_index(
            [("case_id", ASCENDING), ("at", ASCENDING), ("_id", ASCENDING)], name="case_at"
        )
        await self._counters.create_index(
            [("department", ASCENDING), ("day", ASCENDING)], name="department_day"
        )
        await self._follow_ups.create_index(
            [("department", ASCENDING), ("replied_at", ASCENDING)], name="department_open"
        )
        await self._outbox.ensure_indexes()

    # --- drafts ---

    async def save_draft(self, draft: Draft) -> None:
        """Insert or replace the draft (its owner's only)."""
        await self._drafts.replace_one(
            {"_id": draft.id, "account": draft.account_id},
            {
                "_id": draft.id,
                "account": draft.account_id,
                "acting_for": draft.acting_for,
                "kind": draft.kind.value,
                "code": draft.code,
                "form": self._seal(draft.form, f"draft:{draft.id}"),
                "materials": _material_docs(draft.materials),
                "prefilled": draft.prefilled,
                "created_at": draft.created_at,
                "updated_at": draft.updated_at,
                "purge_at": draft.purge_at,
            },
            upsert=True,
        )

    async def draft(self, draft_id: str, account_id: str) -> Draft | None:
        """The account's draft with this id (another account's reads as ``None``)."""
        doc = await self._drafts.find_one({"_id": draft_id, "account": account_id})
        if doc is None:
            return None
        return Draft(
            id=doc["_id"],
            account_id=doc["account"],
            acting_for=doc["acting_for"],
            kind=SubjectKind(doc["kind"]),
            code=doc["code"],
            form=self._open(doc["form"], f"draft:{doc['_id']}"),
            materials=_materials(doc["materials"]),
            prefilled=doc["prefilled"],
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
            purge_at=doc["purge_at"],
        )

    async def purge_drafts(self, now: datetime) -> int:
        """Delete drafts past their purge time (the TTL index does it too, eventually)."""
        result = await self._drafts.delete_many({"purge_at": {"$lte": now}})
        return result.deleted_count

    # --- cases ---

    async def case_by_client_key(self, account_id: str, client_key: str) -> Case | None:
        """The applicant's case submitted with this idempotency key."""
        doc = await self._cases.find_one({"applicant": account_id, "client_key": client_key})
        return None if doc is None else await self._with_sub_cases(doc)

    async def insert_case(
        self,
        case: Case,
        *,
        client_key: str,
        fingerprint: str,
        draft_id: str | None,
        timeline: list[TimelineEntry],
        counters: list[CounterChange],
        events: list[OutboxEvent],
    ) -> bool:
        """Store a new case with its sub-cases, timeline, counters and event in one
        transaction; ``False`` when the key was taken meanwhile (a racing retry)."""
        doc = {
            "_id": case.id,
            "reference": case.reference,
            "applicant": case.applicant_account_id,
            "acting_for": case.acting_for,
            "kind": case.kind.value,
            "code": case.code,
            "title": _text(case.title),
            "form": self._seal(case.form, f"case:{case.id}"),
            "materials": _material_docs(case.materials),
            "state": case.state.value,
            "version": 1,
            "submitted_at": case.submitted_at,
            "due_at": case.due_at,
            "completed_at": None,
            "client_key": client_key,
            "fingerprint": fingerprint,
            "rating": None,
            "dispute_id": case.dispute_id,
        }

        async def write(session: AsyncClientSession) -> None:
            await self._cases.insert_one(doc, session=session)
            await self._sub_cases.insert_many(
                [sub_case_document(s) for s in case.sub_cases], session=session
            )
            await self._write_extras(timeline, counters, events, [], session)
            if draft_id is not None:
                await self._drafts.delete_one(
                    {"_id": draft_id, "account": case.applicant_account_id}, session=session
                )

        try:
            async with self._database.client.start_session() as session:
                await session.with_transaction(write)
        except DuplicateKeyError:
            return False
        return True

    async def fingerprint(self, account_id: str, client_key: str) -> str | None:
        """What the case submitted with this key was computed from (to spot reuse)."""
        doc = await self._cases.find_one(
            {"applicant": account_id, "client_key": client_key}, {"fingerprint": 1}
        )
        return None if doc is None else str(doc["fingerprint"])

    async def case(self, case_id: str) -> Case | None:
        """The case with its sub-cases, or ``None``."""
        doc = await self._cases.find_one({"_id": case_id})
        return None if doc is None else await self._with_sub_cases(doc)

    async def applicant_of(self, case_id: str) -> str | None:
        """The account that applied for the case (one field read, nothing decrypted)."""
        doc = await self._cases.find_one({"_id": case_id}, {"applicant": 1})
        return None if doc is None else str(doc["applicant"])

    async def cases_of(
        self, account_id: str, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[Case]:
        """The applicant's cases, newest first, each with its sub-cases (two queries)."""
        query: Document = {"applicant": account_id}
        if after is not None:
            at, case_id = after
            query["$or"] = [
                {"submitted_at": {"$lt": at}},
                {"submitted_at": at, "_id": {"$lt": case_id}},
            ]
        cursor = (
            self._cases.find(query)
            .sort([("submitted_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        docs = [doc async for doc in cursor]
        subs = await self._sub_cases_of([d["_id"] for d in docs])
        return [self._case(d, subs.get(d["_id"], [])) for d in docs]

    async def sub_case(self, sub_case_id: str) -> SubCase | None:
        """The sub-case with this id, or ``None``."""
        doc = await self._sub_cases.find_one({"_id": sub_case_id})
        return None if doc is None else _sub_case(doc)

    async def queue(
        self,
        department_code: str,
        *,
        states: Sequence[SubCaseState],
        due_before: datetime | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[SubCase]:
        """A department's sub-cases by due date (unknown due dates last), then id.

        ``after`` is the ``(due key, id)`` of the previous page's last sub-case: its due
        instant, or :data:`UNKNOWN_DUE` when the calendar does not reach it yet.
        """
        # One flat filter, not an $and of clauses: SecantusDB plans the flat form several
        # times faster (measured: 166 ms against 1,275 ms over 60,000 sub-cases).
        query: Document = {"department": department_code}
        if states:
            query["state"] = {"$in": [s.value for s in states]}
        if due_before is not None:
            query["due_at"] = {"$lte": due_before}
        if after is not None:
            due, sub_id = after
            query["$or"] = [
                {"due_key": {"$gt": due}},
                {"due_key": due, "_id": {"$gt": sub_id}},
            ]
        cursor = (
            self._sub_cases.find(query)
            .sort([("due_key", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [_sub_case(doc) async for doc in cursor]

    async def due_soon_unnoticed(
        self, now: datetime, horizon: datetime, *, limit: int
    ) -> list[SubCase]:
        """Open sub-cases due between ``now`` and ``horizon`` not yet noticed as due soon."""
        cursor = self._sub_cases.find(
            {
                "state": {"$in": [s.value for s in _OPEN]},
                "due_at": {"$gte": now, "$lte": horizon},
                "due_soon_at": None,
            }
        ).sort([("due_at", ASCENDING), ("_id", ASCENDING)])
        return [_sub_case(doc) async for doc in cursor.limit(limit)]

    async def notice_due_soon(self, sub_case_id: str, event: OutboxEvent, now: datetime) -> bool:
        """Mark the sub-case noticed and append its event in one transaction; ``False``
        when another scan noticed it first."""
        noticed: list[bool] = []

        async def write(session: AsyncClientSession) -> None:
            noticed.clear()
            result = await self._sub_cases.update_one(
                {"_id": sub_case_id, "due_soon_at": None},
                {"$set": {"due_soon_at": now}},
                session=session,
            )
            if result.matched_count != 1:
                noticed.append(False)
                return
            await self._outbox.append(event, session=session)
            noticed.append(True)

        async with self._database.client.start_session() as session:
            await session.with_transaction(write)
        return bool(noticed and noticed[0])

    async def set_licence(self, sub_case_id: str, uri: str | None) -> None:
        """Record the licence an approved sub-case issued into the applicant's wallet
        (``None``: its items issued none after all) and clear its pending mark."""
        await self._sub_cases.update_one(
            {"_id": sub_case_id},
            {"$set": {"licence_uri": uri}, "$unset": {"licence_pending": ""}},
        )

    async def licences_pending(self, decided_before: datetime, *, limit: int) -> list[SubCase]:
        """Approved sub-cases still marked ``licence_pending``, decided before the instant."""
        cursor = self._sub_cases.find(
            {"licence_pending": True, "decided_at": {"$lt": decided_before}}
        ).sort([("decided_at", ASCENDING), ("_id", ASCENDING)])
        return [_sub_case(doc) async for doc in cursor.limit(limit)]

    async def due_by(
        self, departments: Sequence[str] | None, before: datetime, *, limit: int
    ) -> list[SubCase]:
        """Open sub-cases due by ``before`` (overdue first), of some departments or all."""
        query: Document = {
            "state": {"$in": [s.value for s in _OPEN]},
            "due_at": {"$ne": None, "$lte": before},
        }
        if departments is not None:
            query["department"] = {"$in": list(departments)}
        cursor = self._sub_cases.find(query).sort([("due_at", ASCENDING), ("_id", ASCENDING)])
        return [_sub_case(doc) async for doc in cursor.limit(limit)]

    async def apply(self, change: Change) -> None:
        """Write ``change`` in one transaction; :class:`LostRace` when a guard fails."""

        async def write(session: AsyncClientSession) -> None:
            if change.sub_case_id is not None:
                result = await self._sub_cases.update_one(
                    {"_id": change.sub_case_id, "version": change.sub_case_version},
                    {"$set": change.sub_case_set, "$inc": {"version": 1}},
                    session=session,
                )
                if result.matched_count != 1:
                    raise LostRace(change.sub_case_id)
            for sub_id, version, values in change.extra_sub_cases:
                result = await self._sub_cases.update_one(
                    {"_id": sub_id, "version": version},
                    {"$set": values, "$inc": {"version": 1}},
                    session=session,
                )
                if result.matched_count != 1:
                    raise LostRace(sub_id)
            result = await self._cases.update_one(
                {"_id": change.case_id, "version": change.case_version},
                {"$set": change.case_set, "$inc": {"version": 1}},
                session=session,
            )
            if result.matched_count != 1:
                raise LostRace(change.case_id)
            await self._write_extras(
                change.timeline, change.counters, change.events, change.follow_ups, session
            )

        async with self._database.client.start_session() as session:
            await session.with_transaction(write)

    def seal_form(self, form: dict[str, Any], case_id: str) -> str:
        """A case's form, encrypted for this case (for a change that amends it)."""
        return self._seal(form, f"case:{case_id}")

    def seal_text(self, text: str | None, case_id: str) -> str | None:
        """An officer's reason or a citizen's comment, encrypted for this case."""
        return None if text is None else self._cipher.encrypt(text, context=f"text:{case_id}")

    def rating_document(self, rating: Rating, case_id: str) -> Document:
        """The stored form of a rating (its comment encrypted)."""
        return {
            "level": rating.level,
            "comment": self.seal_text(rating.comment, case_id),
            "at": rating.at,
            "follow_up_reply": self.seal_text(rating.follow_up_reply, case_id),
            "follow_up_replied_at": rating.follow_up_replied_at,
        }

    # --- timeline ---

    async def timeline(self, case_id: str, *, limit: int) -> list[TimelineEntry]:
        """The case's timeline, oldest first."""
        return (await self.timelines([case_id], limit_each=limit)).get(case_id, [])

    async def timelines(
        self, case_ids: Sequence[str], *, limit_each: int
    ) -> dict[str, list[TimelineEntry]]:
        """The timelines of several cases, oldest first each, in one query."""
        cursor = self._timeline.find({"case_id": {"$in": list(case_ids)}}).sort(
            [("case_id", ASCENDING), ("at", ASCENDING), ("_id", ASCENDING)]
        )
        found: dict[str, list[TimelineEntry]] = {case_id: [] for case_id in case_ids}
        async for doc in cursor.limit(limit_each * len(case_ids)):
            entries = found[doc["case_id"]]
            if len(entries) < limit_each:
                entries.append(self._entry(doc))
        return found

    # --- follow-ups ---

    async def open_follow_ups(self, department_code: str, *, limit: int) -> list[Document]:
        """The department's follow-ups of low ratings not yet answered."""
        cursor = self._follow_ups.find({"department": department_code, "replied_at": None})
        return [doc async for doc in cursor.sort("opened_at", ASCENDING).limit(limit)]

    async def follow_up(self, follow_up_id: str) -> Document | None:
        """One follow-up, or ``None``."""
        return await self._follow_ups.find_one({"_id": follow_up_id})

    async def answer_follow_up(
        self, follow_up_id: str, *, reply_set: Document, case_change: Change
    ) -> None:
        """Close a follow-up with its reply and record it on the case (one transaction)."""

        async def write(session: AsyncClientSession) -> None:
            result = await self._follow_ups.update_one(
                {"_id": follow_up_id, "replied_at": None}, {"$set": reply_set}, session=session
            )
            if result.matched_count != 1:
                raise LostRace(follow_up_id)
            updated = await self._cases.update_one(
                {"_id": case_change.case_id, "version": case_change.case_version},
                {"$set": case_change.case_set, "$inc": {"version": 1}},
                session=session,
            )
            if updated.matched_count != 1:
                raise LostRace(case_change.case_id)
            await self._write_extras(case_change.timeline, [], case_change.events, [], session)

        async with self._database.client.start_session() as session:
            await session.with_transaction(write)

    # --- statistics ---

    async def counters(self, department_code: str, start: date, end: date) -> list[Document]:
        """The department's counters for days ``start`` to ``end`` (one indexed query)."""
        cursor = self._counters.find(
            {
                "department": department_code,
                "day": {"$gte": start.isoformat(), "$lte": end.isoformat()},
            }
        )
        return [doc async for doc in cursor]

    async def replace_counters(self, department_code: str, docs: list[Document]) -> None:
        """Replace a department's counters wholesale (the rebuild)."""
        await self._counters.delete_many({"department": department_code})
        if docs:
            await self._counters.insert_many(docs)

    async def sub_cases_of_department(self, department_code: str) -> list[SubCase]:
        """Every sub-case of a department (the rebuild's input: a batch job, not a request)."""
        cursor = self._sub_cases.find({"department": department_code})
        return [_sub_case(doc) async for doc in cursor]

    async def ratings_of(self, case_ids: Sequence[str]) -> dict[str, tuple[int, datetime]]:
        """The rating level and time of each rated case among ``case_ids``."""
        cursor = self._cases.find(
            {"_id": {"$in": list(case_ids)}, "rating": {"$ne": None}},
            {"rating.level": 1, "rating.at": 1},
        )
        return {
            doc["_id"]: (int(doc["rating"]["level"]), doc["rating"]["at"]) async for doc in cursor
        }

    # --- internals ---

    async def _write_extras(
        self,
        timeline: list[TimelineEntry],
        counters: list[CounterChange],
        events: list[OutboxEvent],
        follow_ups: list[Document],
        session: AsyncClientSession,
    ) -> None:
        if timeline:
            await self._timeline.insert_many(
                [self._entry_document(e) for e in timeline], session=session
            )
        for counter in counters:
            day = counter.day.isoformat()
            await self._counters.update_one(
                {"_id": f"{counter.department_code}|{counter.item_code}|{day}"},
                {
                    "$inc": counter.inc,
                    "$setOnInsert": {
                        "department": counter.department_code,
                        "item": counter.item_code,
                        "day": day,
                    },
                },
                upsert=True,
                session=session,
            )
        if follow_ups:
            await self._follow_ups.insert_many(follow_ups, session=session)
        for event in events:
            await self._outbox.append(event, session=session)

    async def _with_sub_cases(self, doc: Document) -> Case:
        subs = await self._sub_cases_of([doc["_id"]])
        return self._case(doc, subs.get(doc["_id"], []))

    async def _sub_cases_of(self, case_ids: Sequence[str]) -> dict[str, list[SubCase]]:
        found: dict[str, list[SubCase]] = {}
        if not case_ids:
            return found
        cursor = self._sub_cases.find({"case_id": {"$in": list(case_ids)}}).sort("_id", ASCENDING)
        async for doc in cursor:
            found.setdefault(doc["case_id"], []).append(_sub_case(doc))
        return found

    def _case(self, doc: Document, subs: list[SubCase]) -> Case:
        rating = doc.get("rating")
        return Case(
            id=doc["_id"],
            reference=doc["reference"],
            applicant_account_id=doc["applicant"],
            acting_for=doc["acting_for"],
            kind=SubjectKind(doc["kind"]),
            code=doc["code"],
            title=Localized(zh=doc["title"]["zh"], en=doc["title"]["en"]),
            form=self._open(doc["form"], f"case:{doc['_id']}"),
            materials=_materials(doc["materials"]),
            state=CaseState(doc["state"]),
            submitted_at=doc["submitted_at"],
            due_at=doc["due_at"],
            completed_at=doc["completed_at"],
            sub_cases=tuple(subs),
            rating=None if rating is None else self._rating(rating, doc["_id"]),
            dispute_id=doc.get("dispute_id"),
            version=int(doc["version"]),
        )

    def _rating(self, doc: Document, case_id: str) -> Rating:
        return Rating(
            level=doc["level"],
            comment=self._open_text(doc["comment"], case_id),
            at=doc["at"],
            follow_up_reply=self._open_text(doc.get("follow_up_reply"), case_id),
            follow_up_replied_at=doc.get("follow_up_replied_at"),
        )

    def _entry_document(self, entry: TimelineEntry) -> Document:
        return {
            "_id": entry.id,
            "case_id": entry.case_id,
            "sub_case_id": entry.sub_case_id,
            "department": entry.department_code,
            "at": entry.at,
            "actor": entry.actor.value,
            "action": None if entry.action is None else entry.action.value,
            "event": entry.event,
            "state": entry.state,
            "reason": self.seal_text(entry.reason, entry.case_id),
            "actor_account": entry.actor_account_id,
        }

    def _entry(self, doc: Document) -> TimelineEntry:
        return TimelineEntry(
            id=doc["_id"],
            case_id=doc["case_id"],
            sub_case_id=doc["sub_case_id"],
            department_code=doc["department"],
            at=doc["at"],
            actor=Actor(doc["actor"]),
            action=None if doc["action"] is None else Action(doc["action"]),
            event=doc["event"],
            state=doc["state"],
            reason=self._open_text(doc["reason"], doc["case_id"]),
            actor_account_id=doc.get("actor_account"),
        )

    def _seal(self, form: dict[str, Any], context: str) -> str:
        return self._cipher.encrypt(
            json.dumps(form, ensure_ascii=False, sort_keys=True), context=context
        )

    def _open(self, token: str, context: str) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self._cipher.decrypt(token, context=context))
        return value

    def _open_text(self, token: str | None, case_id: str) -> str | None:
        return None if token is None else self._cipher.decrypt(token, context=f"text:{case_id}")


_OPEN = (
    SubCaseState.SUBMITTED,
    SubCaseState.ACCEPTED,
    SubCaseState.SUPPLEMENT_REQUESTED,
    SubCaseState.SUSPENDED,
)


def _material_docs(materials: Sequence[SuppliedMaterial]) -> list[Document]:
    return [{"key": m.key, "upload": m.upload_id, "licence": m.licence_uri} for m in materials]


def _materials(docs: list[Document]) -> tuple[SuppliedMaterial, ...]:
    return tuple(SuppliedMaterial(d["key"], d["upload"], d["licence"]) for d in docs)


def _sub_case(doc: Document) -> SubCase:
    supplement = doc.get("supplement")
    return SubCase(
        id=doc["_id"],
        case_id=doc["case_id"],
        reference=doc["reference"],
        applicant_account_id=doc["applicant"],
        department_code=doc["department"],
        item_codes=tuple(doc["items"]),
        state=SubCaseState(doc["state"]),
        version=int(doc["version"]),
        limit_days=int(doc["limit_days"]),
        received_at=doc["received_at"],
        due_at=doc["due_at"],
        suspensions=tuple(Suspension(s["start"], s["end"]) for s in doc["suspensions"]),
        supplement=None
        if supplement is None
        else Supplement(tuple(supplement["materials"]), tuple(supplement["fields"])),
        supplements=int(doc["supplements"]),
        decided_at=doc["decided_at"],
        licence_uri=doc["licence_uri"],
    )
