"""Contract test of the MongoDB operations our repositories rely on.

The product runs on MongoDB in production and on SecantusDB (a MongoDB wire-protocol
server) in development and tests. Every repository assumes MongoDB's documented
semantics for a small set of operations: atomic single-document updates under
concurrency, guarded ``find_one_and_update`` (claims, optimistic versions), unique,
partial and TTL indexes, the update operators, unordered bulk writes, a handful of
aggregation stages, multi-document transactions, change streams with resume tokens,
and exact round-trips of ``Decimal128`` and timezone-aware datetimes.

These tests pin those semantics down, so that a server which mishandles one of them
fails here, loudly, instead of corrupting data somewhere in a domain test or in
production. They run against whatever server the suite points at (SecantusDB
started by the test session, or a real MongoDB when ``MONGODB_URL`` is set) and
assert MongoDB's documented behaviour only, never one server's quirks. Collections
are kept tiny because SecantusDB slows down as they grow.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bson.decimal128 import Decimal128
from pymongo import ASCENDING, AsyncMongoClient, InsertOne, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from devstack.servers import DevStack

Doc = dict[str, Any]

DUPLICATE_KEY = 11000
EVENT_TIMEOUT_S = 10.0
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def mongo(servers: DevStack) -> AsyncIterator[AsyncMongoClient[Doc]]:
    """A client on the session's server that returns timezone-aware datetimes."""
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        servers.mongodb_url,
        tz_aware=True,
        serverSelectionTimeoutMS=5_000,
        # No single reply may take longer: a server that stalls fails instead of hanging.
        socketTimeoutMS=30_000,
    )
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def db(mongo: AsyncMongoClient[Doc]) -> AsyncIterator[AsyncDatabase[Doc]]:
    """A database of this test's own, dropped afterwards."""
    name = f"contract_{uuid.uuid4().hex[:12]}"
    try:
        yield mongo[name]
    finally:
        await mongo.drop_database(name)


async def _get(collection: AsyncCollection[Doc], doc_id: object) -> Doc:
    """Read one document by ``_id``, failing the test when it is missing."""
    found = await collection.find_one({"_id": doc_id})
    assert found is not None, f"document {doc_id!r} not found"
    return found


# --- atomic single-document updates under concurrency ---------------------------------


async def test_500_concurrent_inc_on_one_document_end_at_exactly_500(
    db: AsyncDatabase[Doc],
) -> None:
    # Given a counter document at 0
    counters = db["counters"]
    await counters.insert_one({"_id": "cases_filed", "n": 0})
    # When 500 clients each $inc it by 1 at the same time
    results = await asyncio.gather(
        *(counters.update_one({"_id": "cases_filed"}, {"$inc": {"n": 1}}) for _ in range(500))
    )
    # Then every update reports one modified document and no increment is lost
    assert [r.modified_count for r in results] == [1] * 500
    assert (await _get(counters, "cases_filed"))["n"] == 500


async def test_state_guarded_find_one_and_update_has_exactly_one_winner_per_race(
    db: AsyncDatabase[Doc],
) -> None:
    jobs = db["jobs"]
    for race in range(20):
        # Given an open job
        await jobs.insert_one({"_id": race, "state": "open"})
        # When 10 workers try to claim it at once, guarded by state "open"
        results: list[Doc | None] = await asyncio.gather(
            *(
                jobs.find_one_and_update(
                    {"_id": race, "state": "open"},
                    {"$set": {"state": "claimed", "claimed_by": worker}},
                    return_document=ReturnDocument.AFTER,
                )
                for worker in range(10)
            )
        )
        # Then exactly one worker gets the claimed document back, the rest get None
        winners = [r for r in results if r is not None]
        assert len(winners) == 1, f"race {race}: {len(winners)} winners"
        winner = winners[0]
        assert winner["state"] == "claimed"
        assert results.index(winner) == winner["claimed_by"]
        # And the stored document is the winner's version
        assert await _get(jobs, race) == winner


async def test_version_guarded_update_lets_one_writer_win_and_stale_writers_get_none(
    db: AsyncDatabase[Doc],
) -> None:
    # Given a versioned document
    cases = db["cases"]
    await cases.insert_one({"_id": "case-1", "version": 0, "note": None})
    for expected in range(5):
        # When 10 writers that all read version n update it guarded by that version
        results: list[Doc | None] = await asyncio.gather(
            *(
                cases.find_one_and_update(
                    {"_id": "case-1", "version": expected},
                    {"$inc": {"version": 1}, "$set": {"note": f"writer-{writer}"}},
                    return_document=ReturnDocument.AFTER,
                )
                for writer in range(10)
            )
        )
        # Then one writer succeeds with version n+1 and the nine stale writers get None
        winners = [r for r in results if r is not None]
        assert len(winners) == 1, f"version {expected}: {len(winners)} winners"
        assert winners[0]["version"] == expected + 1
        assert winners[0]["note"] == f"writer-{results.index(winners[0])}"
    # And a writer still holding an old version is refused and changes nothing
    stale = await cases.find_one_and_update(
        {"_id": "case-1", "version": 2},
        {"$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
    assert stale is None
    assert (await _get(cases, "case-1"))["version"] == 5


# --- indexes ---------------------------------------------------------------------------


async def test_unique_index_rejects_a_duplicate_insert_with_duplicate_key_error(
    db: AsyncDatabase[Doc],
) -> None:
    # Given a unique index on phone and one account
    accounts = db["accounts"]
    await accounts.create_index([("phone", ASCENDING)], unique=True)
    await accounts.insert_one({"phone": "+8613800000001"})
    # When a second account with the same phone is inserted
    with pytest.raises(DuplicateKeyError) as raised:
        await accounts.insert_one({"phone": "+8613800000001"})
    # Then it is rejected with code 11000 and nothing was added
    assert raised.value.code == DUPLICATE_KEY
    assert await accounts.count_documents({}) == 1


async def test_partial_unique_index_allows_duplicates_outside_its_filter_only(
    db: AsyncDatabase[Doc],
) -> None:
    # Given a unique index on id_number that only covers active documents
    links = db["links"]
    await links.create_index(
        [("id_number", ASCENDING)],
        unique=True,
        partialFilterExpression={"status": "active"},
    )
    # When two revoked documents and one active document share an id_number
    await links.insert_one({"id_number": "430200", "status": "revoked"})
    await links.insert_one({"id_number": "430200", "status": "revoked"})
    await links.insert_one({"id_number": "430200", "status": "active"})
    # Then all are accepted, but a second active one is rejected
    with pytest.raises(DuplicateKeyError):
        await links.insert_one({"id_number": "430200", "status": "active"})
    assert await links.count_documents({"id_number": "430200"}) == 3
    assert await links.count_documents({"status": "active"}) == 1


async def test_ttl_index_is_created_with_expire_after_seconds_visible(
    db: AsyncDatabase[Doc],
) -> None:
    # Given a sessions collection
    sessions = db["sessions"]
    # When a TTL index is created on expires_at
    name = await sessions.create_index([("expires_at", ASCENDING)], expireAfterSeconds=3600)
    # Then index_information shows it on that key with its expireAfterSeconds
    info = await sessions.index_information()
    assert name in info
    assert info[name]["key"] == [("expires_at", ASCENDING)]
    assert info[name]["expireAfterSeconds"] == 3600


# --- update operators ------------------------------------------------------------------


async def test_set_inc_and_unset_change_exactly_the_named_fields(
    db: AsyncDatabase[Doc],
) -> None:
    # Given a document with top-level and nested fields
    docs = db["docs"]
    await docs.insert_one({"_id": 1, "a": 1, "b": "x", "nested": {"c": 1, "keep": True}})
    # When $set, $inc and $unset are applied in one update (including missing fields)
    result = await docs.update_one(
        {"_id": 1},
        {
            "$set": {"b": "y", "nested.d": 2},
            "$inc": {"a": 5, "created_by_inc": 2},
            "$unset": {"nested.c": ""},
        },
    )
    # Then only those fields changed; $inc on a missing field sets it to the amount
    assert (result.matched_count, result.modified_count) == (1, 1)
    assert await _get(docs, 1) == {
        "_id": 1,
        "a": 6,
        "b": "y",
        "created_by_inc": 2,
        "nested": {"keep": True, "d": 2},
    }


async def test_set_on_insert_applies_only_when_upsert_inserts(
    db: AsyncDatabase[Doc],
) -> None:
    # Given no document for the key
    profiles = db["profiles"]
    # When an upsert with $set and $setOnInsert runs, filtered on an equality
    first = await profiles.update_one(
        {"key": "citizen-1"},
        {"$set": {"seen": 1}, "$setOnInsert": {"created": "first"}},
        upsert=True,
    )
    # Then a document is inserted carrying the filter's equality, $set and $setOnInsert
    assert first.upserted_id is not None
    assert first.matched_count == 0
    # When the same upsert runs again with another $setOnInsert value
    second = await profiles.update_one(
        {"key": "citizen-1"},
        {"$set": {"seen": 2}, "$setOnInsert": {"created": "second"}},
        upsert=True,
    )
    # Then it updates the existing document and $setOnInsert is ignored
    assert second.upserted_id is None
    assert second.matched_count == 1
    assert await profiles.count_documents({}) == 1
    assert await _get(profiles, first.upserted_id) == {
        "_id": first.upserted_id,
        "key": "citizen-1",
        "seen": 2,
        "created": "first",
    }


async def test_min_and_max_only_move_a_value_in_their_direction(
    db: AsyncDatabase[Doc],
) -> None:
    # Given low and high marks at 5
    marks = db["marks"]
    await marks.insert_one({"_id": 1, "lo": 5, "hi": 5})
    # When $min is given a lower and $max a lower value
    await marks.update_one({"_id": 1}, {"$min": {"lo": 3}, "$max": {"hi": 3}})
    # Then only lo moves
    assert await _get(marks, 1) == {"_id": 1, "lo": 3, "hi": 5}
    # When $min is given a higher and $max a higher value, and $min a missing field
    await marks.update_one({"_id": 1}, {"$min": {"lo": 7, "first": 4}, "$max": {"hi": 9}})
    # Then only hi moves, and the missing field is set to the value
    assert await _get(marks, 1) == {"_id": 1, "lo": 3, "hi": 9, "first": 4}


async def test_push_each_with_slice_keeps_the_latest_elements_as_subdocuments(
    db: AsyncDatabase[Doc],
) -> None:
    # Given a timeline with three entries
    timelines = db["timelines"]
    await timelines.insert_one({"_id": 1, "recent": [{"n": 1}, {"n": 2}, {"n": 3}]})
    # When two sub-documents are pushed with $each and $slice -3
    await timelines.update_one(
        {"_id": 1},
        {"$push": {"recent": {"$each": [{"n": 4}, {"n": 5, "tags": ["x"]}], "$slice": -3}}},
    )
    # Then the last three remain, in order, stored as documents (queryable by field)
    doc = await _get(timelines, 1)
    assert doc["recent"] == [{"n": 3}, {"n": 4}, {"n": 5, "tags": ["x"]}]
    assert await timelines.count_documents({"recent.n": 5}) == 1
    assert await timelines.count_documents({"recent.n": 1}) == 0


async def test_add_to_set_adds_only_missing_values(db: AsyncDatabase[Doc]) -> None:
    # Given a document with tag "a"
    tagged = db["tagged"]
    await tagged.insert_one({"_id": 1, "tags": ["a"]})
    # When "a" is added again
    again = await tagged.update_one({"_id": 1}, {"$addToSet": {"tags": "a"}})
    # Then the document is matched but not modified
    assert (again.matched_count, again.modified_count) == (1, 0)
    # When several values are added with $each, some already present
    await tagged.update_one({"_id": 1}, {"$addToSet": {"tags": {"$each": ["b", "a", "c", "b"]}}})
    # Then each value appears once, new ones appended in order
    assert (await _get(tagged, 1))["tags"] == ["a", "b", "c"]


async def test_pull_removes_every_matching_element(db: AsyncDatabase[Doc]) -> None:
    # Given arrays of numbers and of sub-documents
    lists = db["lists"]
    await lists.insert_one(
        {
            "_id": 1,
            "nums": [1, 5, 2, 8, 2],
            "codes": ["x", "y", "x"],
            "subs": [{"id": 1, "status": "done"}, {"id": 2, "status": "open"}],
        }
    )
    # When $pull removes by value, by condition and by sub-document query
    await lists.update_one(
        {"_id": 1},
        {"$pull": {"codes": "x", "nums": {"$gte": 5}, "subs": {"status": "done"}}},
    )
    # Then every matching element is gone and the rest keep their order
    assert await _get(lists, 1) == {
        "_id": 1,
        "nums": [1, 2, 2],
        "codes": ["y"],
        "subs": [{"id": 2, "status": "open"}],
    }


async def test_current_date_sets_the_server_time_as_a_date(db: AsyncDatabase[Doc]) -> None:
    # Given a document without timestamps
    docs = db["docs"]
    await docs.insert_one({"_id": 1})
    before = datetime.now(UTC)
    # When $currentDate sets two fields (the plain and the $type "date" form)
    await docs.update_one(
        {"_id": 1}, {"$currentDate": {"touched": True, "stamped": {"$type": "date"}}}
    )
    after = datetime.now(UTC)
    # Then both are dates at about now (tolerating clock skew to a remote server)
    doc = await _get(docs, 1)
    skew = timedelta(minutes=5)
    for field in ("touched", "stamped"):
        value = doc[field]
        assert isinstance(value, datetime), f"{field} is {type(value).__name__}"
        assert before - skew <= value <= after + skew


async def test_positional_operator_updates_the_first_matched_array_element(
    db: AsyncDatabase[Doc],
) -> None:
    # Given an order with two lines
    orders = db["orders"]
    await orders.insert_one(
        {"_id": 1, "lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 1}, {"sku": "c"}]}
    )
    # When the line matched by the filter is updated through "$"
    await orders.update_one({"_id": 1, "lines.sku": "b"}, {"$inc": {"lines.$.qty": 2}})
    # Then only that line changed
    assert (await _get(orders, 1))["lines"] == [
        {"sku": "a", "qty": 1},
        {"sku": "b", "qty": 3},
        {"sku": "c"},
    ]


async def test_array_filters_update_every_element_matching_the_identifier(
    db: AsyncDatabase[Doc],
) -> None:
    # Given grades, two of them at 90 or above
    grades = db["grades"]
    await grades.insert_one(
        {"_id": 1, "grades": [{"g": 80, "ok": False}, {"g": 95, "ok": False}, {"g": 90}]}
    )
    # When $[elem] is set with arrayFilters elem.g >= 90
    await grades.update_one(
        {"_id": 1},
        {"$set": {"grades.$[elem].ok": True}},
        array_filters=[{"elem.g": {"$gte": 90}}],
    )
    # Then exactly those elements are updated
    assert (await _get(grades, 1))["grades"] == [
        {"g": 80, "ok": False},
        {"g": 95, "ok": True},
        {"g": 90, "ok": True},
    ]


# --- bulk writes -----------------------------------------------------------------------


async def test_unordered_bulk_write_with_one_duplicate_applies_the_other_writes(
    db: AsyncDatabase[Doc],
) -> None:
    # Given an existing document with _id 1
    items = db["items"]
    await items.insert_one({"_id": 1, "x": 0})
    # When an unordered bulk write inserts 2, 1 (duplicate), 3 and then updates 2
    with pytest.raises(BulkWriteError) as raised:
        await items.bulk_write(
            [
                InsertOne({"_id": 2, "x": 0}),
                InsertOne({"_id": 1, "x": 99}),
                InsertOne({"_id": 3, "x": 0}),
                UpdateOne({"_id": 2}, {"$set": {"x": 1}}),
            ],
            ordered=False,
        )
    # Then the error reports the one duplicate by its index and counts the rest
    details = raised.value.details
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(1, DUPLICATE_KEY)]
    assert details["nInserted"] == 2
    assert details["nMatched"] == 1
    assert details["nModified"] == 1
    # And the other writes, including those after the failure, were applied
    assert [d async for d in items.find({}).sort("_id", ASCENDING)] == [
        {"_id": 1, "x": 0},
        {"_id": 2, "x": 1},
        {"_id": 3, "x": 0},
    ]


# --- aggregation -----------------------------------------------------------------------


async def test_match_group_sum_sort_limit_project_pipeline(db: AsyncDatabase[Doc]) -> None:
    # Given cases of three departments, some done
    cases = db["cases"]
    await cases.insert_many(
        [
            {"dept": "A", "fee": 10, "status": "done"},
            {"dept": "A", "fee": 5, "status": "done"},
            {"dept": "A", "fee": 100, "status": "open"},
            {"dept": "B", "fee": 30, "status": "done"},
            {"dept": "C", "fee": 1, "status": "done"},
            {"dept": "C", "fee": 2, "status": "done"},
        ]
    )
    # When done cases are grouped per department, sorted by total, top 2, reshaped
    result = await (
        await cases.aggregate(
            [
                {"$match": {"status": "done"}},
                {"$group": {"_id": "$dept", "total": {"$sum": "$fee"}, "n": {"$sum": 1}}},
                {"$sort": {"total": -1}},
                {"$limit": 2},
                {"$project": {"_id": 0, "dept": "$_id", "total": 1, "n": 1}},
            ]
        )
    ).to_list()
    # Then the open case is excluded and the two largest totals come in order
    assert result == [{"dept": "B", "total": 30, "n": 1}, {"dept": "A", "total": 15, "n": 2}]


async def test_lookup_joins_matching_documents_and_empty_array_when_none(
    db: AsyncDatabase[Doc],
) -> None:
    # Given cases referencing departments, one reference dangling
    await db["departments"].insert_many(
        [{"_id": "SCJG", "name": "Market"}, {"_id": "GJJ", "name": "Fund"}]
    )
    cases = db["cases"]
    await cases.insert_many(
        [{"_id": 1, "dept": "GJJ"}, {"_id": 2, "dept": "SCJG"}, {"_id": 3, "dept": "NONE"}]
    )
    # When $lookup joins departments on dept
    result = await (
        await cases.aggregate(
            [
                {
                    "$lookup": {
                        "from": "departments",
                        "localField": "dept",
                        "foreignField": "_id",
                        "as": "department",
                    }
                },
                {"$sort": {"_id": 1}},
            ]
        )
    ).to_list()
    # Then each case carries its matches as an array, empty when nothing matched
    assert result == [
        {"_id": 1, "dept": "GJJ", "department": [{"_id": "GJJ", "name": "Fund"}]},
        {"_id": 2, "dept": "SCJG", "department": [{"_id": "SCJG", "name": "Market"}]},
        {"_id": 3, "dept": "NONE", "department": []},
    ]


async def test_facet_runs_sub_pipelines_over_the_same_input(db: AsyncDatabase[Doc]) -> None:
    # Given five cases in two states
    cases = db["cases"]
    await cases.insert_many(
        [{"status": "open"}, {"status": "done"}, {"status": "open"}, {"status": "open"}, {}]
    )
    # When $facet groups by status and counts in one pass
    result = await (
        await cases.aggregate(
            [
                {"$match": {"status": {"$exists": True}}},
                {
                    "$facet": {
                        "by_status": [
                            {"$group": {"_id": "$status", "n": {"$sum": 1}}},
                            {"$sort": {"_id": 1}},
                        ],
                        "total": [{"$count": "n"}],
                    }
                },
            ]
        )
    ).to_list()
    # Then one document holds each facet's output
    assert result == [
        {
            "by_status": [{"_id": "done", "n": 1}, {"_id": "open", "n": 3}],
            "total": [{"n": 4}],
        }
    ]


async def test_bucket_groups_by_boundaries_with_a_default_bucket(
    db: AsyncDatabase[Doc],
) -> None:
    # Given citizens of various ages, one outside every boundary
    citizens = db["citizens"]
    await citizens.insert_many([{"age": age} for age in (5, 17, 18, 30, 59, 60, 99, 250)])
    # When $bucket splits them at 0, 18, 60, 200 with a default bucket
    result = await (
        await citizens.aggregate(
            [
                {
                    "$bucket": {
                        "groupBy": "$age",
                        "boundaries": [0, 18, 60, 200],
                        "default": "other",
                        "output": {"n": {"$sum": 1}},
                    }
                }
            ]
        )
    ).to_list()
    # Then each bucket, named by its lower bound (inclusive), counts its members
    assert {doc["_id"]: doc["n"] for doc in result} == {0: 2, 18: 3, 60: 2, "other": 1}
    assert len(result) == 4


async def test_date_to_string_in_shanghai_shows_the_next_day_for_20h_utc(
    db: AsyncDatabase[Doc],
) -> None:
    # Given two events on 1 March 2024 UTC, one at 20:00 and one at 10:00
    events = db["events"]
    await events.insert_many(
        [
            {"_id": 1, "at": datetime(2024, 3, 1, 20, 0, tzinfo=UTC)},
            {"_id": 2, "at": datetime(2024, 3, 1, 10, 0, tzinfo=UTC)},
        ]
    )
    # When their dates are formatted in Asia/Shanghai (UTC+8) and in UTC
    result = await (
        await events.aggregate(
            [
                {
                    "$project": {
                        "local": {
                            "$dateToString": {
                                "format": "%Y-%m-%d %H:%M",
                                "date": "$at",
                                "timezone": "Asia/Shanghai",
                            }
                        },
                        "utc": {"$dateToString": {"format": "%Y-%m-%d", "date": "$at"}},
                    }
                },
                {"$sort": {"_id": 1}},
            ]
        )
    ).to_list()
    # Then 20:00 UTC is 04:00 on the next day in Shanghai; UTC is the default zone
    assert result == [
        {"_id": 1, "local": "2024-03-02 04:00", "utc": "2024-03-01"},
        {"_id": 2, "local": "2024-03-01 18:00", "utc": "2024-03-01"},
    ]


async def test_count_stage_counts_matches_and_reads_zero_on_empty_input(
    db: AsyncDatabase[Doc],
) -> None:
    # Given five cases, three of them overdue
    cases = db["cases"]
    await cases.insert_many([{"overdue": flag} for flag in (True, False, True, True, False)])
    # When $count runs after a match that selects three, and after one that selects none
    some = await (await cases.aggregate([{"$match": {"overdue": True}}, {"$count": "n"}])).to_list()
    none = await (
        await cases.aggregate([{"$match": {"overdue": "never"}}, {"$count": "n"}])
    ).to_list()
    # Then the non-empty count is exact; the empty one reads as 0 (MongoDB returns no
    # document there, so callers must read `res[0]["n"] if res else 0`)
    assert some == [{"n": 3}]
    assert (none[0]["n"] if none else 0) == 0


# --- transactions ----------------------------------------------------------------------


async def test_transaction_commits_writes_to_two_collections_together(
    mongo: AsyncMongoClient[Doc], db: AsyncDatabase[Doc]
) -> None:
    # Given a cases collection and an outbox (created up front, outside the transaction)
    cases = await db.create_collection("cases")
    outbox = await db.create_collection("outbox")
    seen_outside: list[Doc | None] = []

    async def submit(session: AsyncClientSession) -> None:
        await cases.insert_one({"_id": "case-1", "state": "submitted"}, session=session)
        await outbox.insert_one({"_id": "evt-1", "case": "case-1"}, session=session)
        seen_outside.append(await cases.find_one({"_id": "case-1"}))

    # When both writes run in one transaction
    async with mongo.start_session() as session:
        await session.with_transaction(submit)
    # Then neither was visible outside before commit, and both are after it
    # (with_transaction may retry the callback on a transient error, so read every attempt)
    assert seen_outside
    assert all(seen is None for seen in seen_outside)
    assert await _get(cases, "case-1") == {"_id": "case-1", "state": "submitted"}
    assert await _get(outbox, "evt-1") == {"_id": "evt-1", "case": "case-1"}


class _CallbackFailedError(Exception):
    """Raised on purpose inside a transaction callback."""


async def test_transaction_whose_callback_raises_leaves_no_write(
    mongo: AsyncMongoClient[Doc], db: AsyncDatabase[Doc]
) -> None:
    # Given a submitted case and an empty outbox
    cases = await db.create_collection("cases")
    outbox = await db.create_collection("outbox")
    await cases.insert_one({"_id": "case-1", "state": "submitted"})

    async def accept_then_fail(session: AsyncClientSession) -> None:
        await cases.update_one({"_id": "case-1"}, {"$set": {"state": "accepted"}}, session=session)
        await outbox.insert_one({"_id": "evt-1", "case": "case-1"}, session=session)
        raise _CallbackFailedError

    # When a transaction updates the case, writes the outbox, then its callback raises
    async with mongo.start_session() as session:
        with pytest.raises(_CallbackFailedError):
            await session.with_transaction(accept_then_fail)
    # Then the error reaches the caller and neither write is kept
    assert await _get(cases, "case-1") == {"_id": "case-1", "state": "submitted"}
    assert await outbox.count_documents({}) == 0


# --- change streams --------------------------------------------------------------------


async def test_change_stream_delivers_an_insert_with_its_full_document(
    db: AsyncDatabase[Doc],
) -> None:
    # Given a change stream open on the collection
    events = await db.create_collection("events")
    async with await events.watch(max_await_time_ms=500) as stream:
        # When a document is inserted
        await events.insert_one({"_id": 1, "kind": "case.submitted"})
        change = await asyncio.wait_for(stream.next(), EVENT_TIMEOUT_S)
    # Then the stream reports the insert with the full document and a resume token
    assert change["operationType"] == "insert"
    assert change["fullDocument"] == {"_id": 1, "kind": "case.submitted"}
    assert change["documentKey"] == {"_id": 1}
    assert change["ns"] == {"db": db.name, "coll": "events"}
    assert change["_id"]


async def test_change_stream_resumed_after_a_token_delivers_later_inserts(
    db: AsyncDatabase[Doc],
) -> None:
    # Given the resume token of a first insert, taken from a stream that is then closed
    events = await db.create_collection("events")
    async with await events.watch(max_await_time_ms=500) as stream:
        await events.insert_one({"_id": 1, "kind": "first"})
        first = await asyncio.wait_for(stream.next(), EVENT_TIMEOUT_S)
    assert first["fullDocument"] == {"_id": 1, "kind": "first"}
    token = first["_id"]
    # And a second insert made while no stream was open
    await events.insert_one({"_id": 2, "kind": "second"})
    # When a new stream resumes after the token, and a third insert follows
    async with await events.watch(resume_after=token, max_await_time_ms=500) as resumed:
        missed = await asyncio.wait_for(resumed.next(), EVENT_TIMEOUT_S)
        await events.insert_one({"_id": 3, "kind": "third"})
        live = await asyncio.wait_for(resumed.next(), EVENT_TIMEOUT_S)
    # Then it delivers the missed insert first (not the first one again), then the new one
    assert missed["operationType"] == "insert"
    assert missed["fullDocument"] == {"_id": 2, "kind": "second"}
    assert live["operationType"] == "insert"
    assert live["fullDocument"] == {"_id": 3, "kind": "third"}


# --- value round-trips -----------------------------------------------------------------


async def test_decimal128_round_trips_exactly_and_adds_in_decimal(
    db: AsyncDatabase[Doc],
) -> None:
    # Given amounts that binary floating point cannot hold exactly
    fees = db["fees"]
    amounts = {
        "tenth": Decimal128("0.1"),
        "trailing_zero": Decimal128("1.10"),
        "max_digits": Decimal128("1234567890123456789012345678.901234"),
        "tiny_negative": Decimal128("-0.000001"),
    }
    # When they are stored and read back
    await fees.insert_one({"_id": 1, **amounts})
    stored = await _get(fees, 1)
    # Then every value comes back bit for bit, with its scale
    for name, amount in amounts.items():
        assert isinstance(stored[name], Decimal128), name
        assert stored[name].bid == amount.bid, name
    assert str(stored["trailing_zero"]) == "1.10"
    assert stored["max_digits"].to_decimal() == Decimal("1234567890123456789012345678.901234")
    # And they are found by equality and add exactly in decimal
    assert await fees.count_documents({"tenth": Decimal128("0.1")}) == 1
    await fees.update_one({"_id": 1}, {"$inc": {"tenth": Decimal128("0.2")}})
    assert (await _get(fees, 1))["tenth"].to_decimal() == Decimal("0.3")


async def test_timezone_aware_datetime_round_trips_as_the_same_instant(
    db: AsyncDatabase[Doc],
) -> None:
    # Given an aware time in Shanghai (millisecond precision, as BSON stores)
    events = db["events"]
    at = datetime(2024, 3, 1, 20, 30, 15, 123000, tzinfo=SHANGHAI)
    # When it is stored and read back through a tz_aware client
    await events.insert_one({"_id": 1, "at": at})
    stored = (await _get(events, 1))["at"]
    # Then it is the same instant, returned aware in UTC
    assert isinstance(stored, datetime)
    assert stored == at
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2024, 3, 1, 12, 30, 15, 123000, tzinfo=UTC)
    # And range queries with aware bounds in other zones find it
    window = {"$gte": at - timedelta(milliseconds=1), "$lt": at + timedelta(milliseconds=1)}
    assert await events.count_documents({"at": window}) == 1
