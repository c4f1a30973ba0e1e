"""The scheduled jobs of applications, as the operators' commands run them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.cli import cases_due_scan_on, purge_drafts_on
from app.resources import Resources


async def test_purge_drafts_removes_only_drafts_past_their_time(resources: Resources) -> None:
    # given a draft past its purge time and one within it
    now = datetime.now(UTC)
    drafts = resources.database["application_drafts"]
    await drafts.insert_many(
        [
            {"_id": "draft_old", "account": "a", "purge_at": now - timedelta(days=1)},
            {"_id": "draft_new", "account": "a", "purge_at": now + timedelta(days=1)},
        ]
    )

    # when the command's job runs
    purged = await purge_drafts_on(resources)

    # then the old one went and the new one stays
    assert purged == 1
    assert [d["_id"] async for d in drafts.find()] == ["draft_new"]


async def test_cases_due_scan_appends_nothing_when_nothing_is_due(resources: Resources) -> None:
    # given no open sub-case at all
    # when the command's job runs twice
    counts = [await cases_due_scan_on(resources), await cases_due_scan_on(resources)]

    # then it appended nothing, and the outbox is empty
    assert counts == [0, 0]
    assert await resources.database["outbox"].count_documents({}) == 0
