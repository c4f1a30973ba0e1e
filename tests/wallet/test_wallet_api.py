"""The wallet through ``/graphql``: ``me.wallet`` and the department mutations, on real servers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.cli import wallet_expiry_scan_on
from app.trusted_documents import document_text
from identity.models import OfficerRole
from kit.outbox_repository import OutboxRepository
from tests.conftest import CommandCounter, graphql
from tests.identity.factories import as_caller, sign_in
from tests.wallet.factories import (
    GA,
    SCJG,
    business_licence,
    driving_licence,
    officer,
    outbox_events,
    resident_id,
    verified,
    wallet,
)
from wallet.models import Holder, HolderKind, LicenceStatus, StatusChange

WALLET = document_text("Wallet")  # the app's trusted document

ISSUE = """
mutation ($input: IssueLicenceInput!) {
  issueLicence(input: $input) {
    __typename
    ... on LicenceIssued { licence { uri type status issuer fields { name value } } }
    ... on UserError { code field }
  }
}
"""

CHANGE = """
mutation ($uri: String!, $reason: String!) {
  %s(uri: $uri, reason: $reason) {
    __typename
    ... on LicenceStatusChanged { licence { uri status statusReason } }
    ... on UserError { code field }
  }
}
"""


def _issue_input(
    holder: str, *, issuer: str = GA, type_: str = "DRIVING_LICENCE"
) -> dict[str, Any]:
    return {
        "type": type_,
        "issuer": issuer,
        "holder": {"kind": "CITIZEN", "id": holder},
        "number": "D430200000777",
        "issuedOn": "2024-01-01",
        "expiresOn": "2030-01-01",
        "fields": [
            {"name": "name", "value": "王五"},
            {"name": "vehicleClass", "value": "C1"},
            {"name": "firstIssuedOn", "value": "2018-06-01"},
        ],
    }


async def test_me_wallet_pages_the_holders_own_licences_with_todays_status(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given two citizens with licences, one of them expired
    alice = await verified(client, app)
    bob = await verified(client, app)
    service = wallet(app)
    mine = [
        await service.issue(resident_id(alice.account_id)),
        await service.issue(driving_licence(alice.account_id)),
        await service.issue(
            dataclasses.replace(
                driving_licence(alice.account_id),
                issued_on=date(2015, 1, 1),
                expires_on=date(2021, 1, 1),
            )
        ),
    ]
    await service.issue(resident_id(bob.account_id))
    # when alice reads her wallet two at a time
    first = await as_caller(client, alice, WALLET, {"first": 2})
    page = first["data"]["me"]["wallet"]
    after = page["pageInfo"]["endCursor"]
    second = await as_caller(client, alice, WALLET, {"first": 2, "after": after})
    # then she sees her three licences, only hers, each once, with today's status
    nodes = [e["node"] for e in page["edges"]] + [
        e["node"] for e in second["data"]["me"]["wallet"]["edges"]
    ]
    assert page["pageInfo"]["hasNextPage"] is True
    assert second["data"]["me"]["wallet"]["pageInfo"]["hasNextPage"] is False
    assert sorted(n["uri"] for n in nodes) == sorted(licence.uri for licence in mine)
    statuses = {n["uri"]: n["status"] for n in nodes}
    assert statuses[mine[2].uri] == "EXPIRED"
    assert statuses[mine[0].uri] == statuses[mine[1].uri] == "VALID"
    card = next(n for n in nodes if n["uri"] == mine[0].uri)
    assert card["typeName"] == {"zh": "居民身份证", "en": "Resident ID card"}
    assert card["seal"]["alg"] == "SM2-SM3"
    assert {"name": "name", "label": {"zh": "姓名"}, "kind": "TEXT", "value": "张三丰"} in card[
        "fields"
    ]


async def test_me_wallet_refuses_anonymous_phone_level_and_bad_paging(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    anonymous = await graphql(client, WALLET, {"first": 2})
    assert anonymous["data"]["me"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "AUTHENTICATION_REQUIRED"
    phone_only = await sign_in(client, app)
    body = await as_caller(client, phone_only, WALLET, {"first": 2})
    assert body["data"]["me"]["wallet"]["code"] == "STEP_UP_REQUIRED"
    alice = await verified(client, app)
    too_many = await as_caller(client, alice, WALLET, {"first": 500})
    assert too_many["data"]["me"]["wallet"] == {
        "__typename": "InvalidInput",
        "code": "INVALID_INPUT",
        "field": "first",
    }
    bad_cursor = await as_caller(client, alice, WALLET, {"first": 2, "after": "nonsense"})
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_an_officer_issues_a_licence_into_the_holders_wallet_with_its_event(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a police officer and a citizen
    clerk = await officer(client, app, GA)
    alice = await verified(client, app)
    # when the officer issues her a driving licence
    body = await as_caller(client, clerk, ISSUE, {"input": _issue_input(alice.account_id)})
    # then it is issued, sealed, in her wallet, and the outbox has its event
    issued = body["data"]["issueLicence"]
    assert issued["__typename"] == "LicenceIssued", body
    uri = issued["licence"]["uri"]
    assert issued["licence"]["status"] == "VALID"
    listed = await as_caller(client, alice, WALLET, {"first": 10})
    assert [e["node"]["uri"] for e in listed["data"]["me"]["wallet"]["edges"]] == [uri]
    assert (await wallet(app).verify(uri)).authentic
    [event] = await outbox_events(app)
    assert event["kind"] == "wallet.licence.issued"
    assert event["subject"] == uri
    assert event["audience"] == [alice.account_id]
    assert event["payload"] == {
        "licence": uri,
        "type": "driving_licence",
        "issuer": GA,
        "days": None,
    }


async def test_issuing_is_refused_to_wrong_departments_and_citizens(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    police = await officer(client, app, GA)
    alice = await verified(client, app)
    # a police officer issuing a business licence in the police's name: not its type
    wrong_type = _issue_input(alice.account_id, type_="BUSINESS_LICENCE")
    body = await as_caller(client, police, ISSUE, {"input": wrong_type})
    assert body["data"]["issueLicence"]["__typename"] == "LicenceTypeNotIssued"
    assert body["data"]["issueLicence"]["code"] == "LICENCE_TYPE_NOT_ISSUED"
    # ... or in the market regulator's name: no grant there
    other = await as_caller(
        client, police, ISSUE, {"input": _issue_input(alice.account_id, issuer=SCJG)}
    )
    assert other["data"]["issueLicence"] == {
        "__typename": "RoleRequired",
        "code": "NOT_AN_OFFICER",
        "field": None,
    }
    # a citizen without any grant
    citizen = await as_caller(client, alice, ISSUE, {"input": _issue_input(alice.account_id)})
    assert citizen["data"]["issueLicence"]["code"] == "NOT_AN_OFFICER"
    # bad input is typed, with the field at fault
    bad = _issue_input(alice.account_id) | {"expiresOn": "2020-01-01"}
    refused = await as_caller(client, police, ISSUE, {"input": bad})
    assert refused["data"]["issueLicence"] == {
        "__typename": "InvalidInput",
        "code": "INVALID_INPUT",
        "field": "expiresOn",
    }
    assert await outbox_events(app) == []


async def test_status_changes_need_the_issuing_department_a_reason_and_a_valid_transition(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given a licence of alice's issued by the police, a police clerk and a market officer
    alice = await verified(client, app)
    licence = await wallet(app).issue(driving_licence(alice.account_id))
    police = await officer(client, app, GA, OfficerRole.HEAD)
    market = await officer(client, app, SCJG)

    async def change(who: Any, mutation: str, reason: str = "核查违章记录") -> dict[str, Any]:
        body = await as_caller(
            client, who, CHANGE % mutation, {"uri": licence.uri, "reason": reason}
        )
        result: dict[str, Any] = body["data"][mutation]
        return result

    # another department's officer, and the holder herself, may not
    assert (await change(market, "suspendLicence"))["code"] == "NOT_AN_OFFICER"
    assert (await change(alice, "revokeLicence"))["code"] == "NOT_AN_OFFICER"
    # a reason is required; reinstating a valid licence is a conflict
    assert (await change(police, "suspendLicence", "  "))["field"] == "reason"
    assert (await change(police, "reinstateLicence"))["code"] == "LICENCE_STATUS_CONFLICT"
    # suspend, reinstate, revoke
    suspended = await change(police, "suspendLicence")
    assert suspended["licence"] == {
        "uri": licence.uri,
        "status": "SUSPENDED",
        "statusReason": "核查违章记录",
    }
    listed = await as_caller(client, alice, WALLET, {"first": 5})
    assert listed["data"]["me"]["wallet"]["edges"][0]["node"]["status"] == "SUSPENDED"
    assert (await change(police, "reinstateLicence", "核查完毕"))["licence"]["status"] == "VALID"
    assert (await change(police, "revokeLicence", "吊销"))["licence"]["status"] == "REVOKED"
    assert (await change(police, "reinstateLicence"))["code"] == "LICENCE_STATUS_CONFLICT"
    assert (await change(police, "suspendLicence"))["code"] == "LICENCE_STATUS_CONFLICT"
    unknown = await as_caller(
        client, police, CHANGE % "revokeLicence", {"uri": licence.uri + "x", "reason": "x"}
    )
    assert unknown["data"]["revokeLicence"]["code"] == "NOT_FOUND"
    # each change appended its event, in order
    kinds = [e["kind"] for e in await outbox_events(app)]
    assert kinds == [
        "wallet.licence.issued",
        "wallet.licence.suspended",
        "wallet.licence.reinstated",
        "wallet.licence.revoked",
    ]
    # the reason is stored encrypted
    raw = await app.state.resources.database["licences"].find_one({"_id": licence.uri})
    assert "吊销" not in str(raw)


async def test_a_status_change_whose_event_cannot_be_written_does_not_happen(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a licence, and an outbox that fails on append
    alice = await verified(client, app)
    licence = await wallet(app).issue(driving_licence(alice.account_id))

    async def broken(self: OutboxRepository, event: object, *, session: object) -> None:
        raise RuntimeError("outbox down")

    monkeypatch.setattr(OutboxRepository, "append", broken)
    # when the department revokes it, or issues another
    with pytest.raises(RuntimeError):
        await wallet(app).change_status(licence.uri, StatusChange.REVOKE, "x", by="o")
    with pytest.raises(RuntimeError):
        await wallet(app).issue(resident_id(alice.account_id))
    # then neither change is stored (same transaction as the event)
    stored = await wallet(app).licence(licence.uri)
    assert stored.status is LicenceStatus.VALID
    assert len(await wallet(app).licences_held_by(stored.holder)) == 1


async def test_the_expiry_scan_appends_30_and_7_day_notices_once_each(app: FastAPI) -> None:
    # given licences expiring in 20, 5 and 60 days (city calendar), and one revoked
    service = wallet(app)
    today = service.today()
    soon = await service.issue(driving_licence("acct-a", expires_on=today + timedelta(days=20)))
    sooner = await service.issue(driving_licence("acct-b", expires_on=today + timedelta(days=5)))
    await service.issue(driving_licence("acct-c", expires_on=today + timedelta(days=60)))
    gone = await service.issue(driving_licence("acct-d", expires_on=today + timedelta(days=3)))
    await service.change_status(gone.uri, StatusChange.REVOKE, "吊销", by="officer")
    # when the scan runs, twice (the second time as the daily command)
    assert await service.scan_expiring() == 2
    assert await wallet_expiry_scan_on(app.state.resources) == 0
    assert await service.scan_expiring() == 0
    # then one 30-day notice and one 7-day notice
    expiring = await outbox_events(app, "wallet.licence.expiring")
    assert sorted((e["subject"], e["payload"]["days"]) for e in expiring) == sorted(
        [(soon.uri, 30), (sooner.uri, 7)]
    )
    assert {tuple(e["audience"]) for e in expiring} == {("acct-a",), ("acct-b",)}
    # and two weeks later the first one gets its 7-day notice, once
    real_clock = service.clock
    service.clock = lambda: datetime.now(UTC) + timedelta(days=14)
    try:
        assert await service.scan_expiring() == 1
        assert await service.scan_expiring() == 0
    finally:
        service.clock = real_clock
    last = (await outbox_events(app, "wallet.licence.expiring"))[-1]
    assert (last["subject"], last["payload"]["days"]) == (soon.uri, 7)


async def test_an_enterprise_holders_events_have_no_audience(app: FastAPI) -> None:
    licence = await wallet(app).issue(business_licence())
    [event] = await outbox_events(app)
    assert (event["subject"], event["audience"]) == (licence.uri, [])


async def test_me_wallet_sends_the_same_database_commands_whatever_the_wallets_size(
    app: FastAPI, client: httpx.AsyncClient, command_counter: CommandCounter
) -> None:
    # given a wallet of one licence, then of twenty
    alice = await verified(client, app)
    service = wallet(app)
    counts = []
    for size in (1, 20):
        while (
            len(await service.licences_held_by(Holder(HolderKind.CITIZEN, alice.account_id))) < size
        ):
            await service.issue(driving_licence(alice.account_id))
        # when she reads it in one page (her session already checked once: what a
        # first request reads of the session and account is remembered after)
        await as_caller(client, alice, WALLET, {"first": 50})
        command_counter.reset()
        body = await as_caller(client, alice, WALLET, {"first": 50})
        assert len(body["data"]["me"]["wallet"]["edges"]) == size
        counts.append(list(command_counter.commands))
    # then the commands are the same: one query for the licences, whatever their number
    assert counts[0] == counts[1]
    assert counts[0].count("find") <= 3
