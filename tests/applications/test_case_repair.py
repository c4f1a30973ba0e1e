"""The repair job finishes what a failure cut short: a dispute stored whose correction case
was not opened, and an approval committed whose licence was not issued into the wallet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.applications_ports import DisputeCases, WalletLicences
from app.cli import cases_repair_on
from app.resources import Resources
from demo.providers import demo_providers
from liferecord.models import Dispute
from tests.app.citizens import real_name_citizen
from tests.applications.cases_factories import (
    ACCEPT,
    APPROVE,
    act,
    officers,
    start_up_materials,
    sub_of,
    submit,
)
from tests.applications.test_dispute_cases import BALANCE, DISPUTE, GJJ, QUEUE, _gjj_officer
from tests.identity.factories import SignedInCaller, as_caller

MY_LICENCE = """
query ($id: String!) { application(id: $id) {
  subCases { departmentCode licenceUri } } }
"""


async def _queue(client: httpx.AsyncClient, officer: SignedInCaller) -> list[dict[str, Any]]:
    body = await as_caller(client, officer, QUEUE, {"department": GJJ})
    edges: list[dict[str, Any]] = body["data"]["departmentQueue"]["edges"]
    return edges


async def test_a_dispute_whose_case_failed_to_open_is_queued_by_the_repair_once(
    client: httpx.AsyncClient, app: FastAPI, resources: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given opening correction cases fails (the cases' database fell over midway)
    async def down(self: DisputeCases, dispute: Dispute) -> None:
        raise ConnectionError("cases database down")

    citizen = await real_name_citizen(client, app)
    await as_caller(client, citizen, BALANCE)
    with monkeypatch.context() as patch:
        patch.setattr(DisputeCases, "opened", down)
        opened = await as_caller(client, citizen, DISPUTE, {"field": "balance"})

    # then the citizen's dispute stands, but no department sees it yet
    assert opened["data"]["disputeRecord"]["__typename"] == "DisputeOpened", opened
    officer = await _gjj_officer(client, app)
    assert await _queue(client, officer) == []

    # when the repair runs now, it leaves the fresh dispute alone (it may still be opening)
    assert await cases_repair_on(resources, demo_providers) == 0
    # and once the dispute is older than the grace period, it queues it, exactly once
    disputes = resources.database["record_disputes"]
    await disputes.update_many({}, {"$set": {"created_at": _long_ago()}})
    assert await cases_repair_on(resources, demo_providers) == 1
    assert await cases_repair_on(resources, demo_providers) == 0
    [entry] = await _queue(client, officer)
    assert entry["node"]["subCase"]["itemCodes"] == ["correction"]


async def test_an_approval_whose_licence_failed_is_issued_by_the_repair_once(
    client: httpx.AsyncClient, app: FastAPI, resources: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a start-up case accepted by the market regulator, whose approval issues the
    # business licence, while the wallet is down
    citizen = await real_name_citizen(client, app)
    clerk, _ = await officers(client, app)
    case = (await submit(client, citizen, await start_up_materials(client, app, citizen)))[
        "application"
    ]
    scjg = sub_of(case, "430200-SCJG")
    await act(client, clerk, ACCEPT, sub=scjg["id"])

    async def down(self: WalletLicences, grant: object) -> str:
        raise ConnectionError("wallet database down")

    with monkeypatch.context() as patch:
        patch.setattr(WalletLicences, "issue", down)
        approved = await act(client, clerk, APPROVE, sub=scjg["id"])

    # then the approval stands (the officer is not asked to approve again), without licence
    assert approved["__typename"] == "ApplicationChanged", approved
    assert sub_of(approved["application"], "430200-SCJG")["state"] == "APPROVED"
    assert await _licence(client, citizen, case["id"]) is None

    # when the repair runs past the grace period, the licence is issued, exactly once
    sub_cases = resources.database["sub_cases"]
    await sub_cases.update_many({"licence_pending": True}, {"$set": {"decided_at": _long_ago()}})
    licences = resources.database["licences"]
    before = await licences.count_documents({})
    assert await cases_repair_on(resources, demo_providers) == 1
    assert await cases_repair_on(resources, demo_providers) == 0
    uri = await _licence(client, citizen, case["id"])
    assert uri is not None
    assert uri.startswith("urn:zhuzhou:licence:430200-SCJG:business_licence:")
    assert await licences.count_documents({}) == before + 1


async def _licence(client: httpx.AsyncClient, citizen: SignedInCaller, case_id: str) -> str | None:
    body = await as_caller(client, citizen, MY_LICENCE, {"id": case_id})
    subs = body["data"]["application"]["subCases"]
    uri: str | None = next(s for s in subs if s["departmentCode"] == "430200-SCJG")["licenceUri"]
    return uri


def _long_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)
