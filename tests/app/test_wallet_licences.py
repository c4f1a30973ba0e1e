"""The life record's licences section and the enterprise record's licences are the
wallet's (through ``app.wallet_licences``), with the issuing department's provenance."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from app.wallet_licences import masked
from demo.data.people import LI_XIAOYAN, LIU_JIANJUN
from demo.seed import seed, seed_wallet
from tests.identity.factories import SignedInCaller
from tests.liferecord.documents import life_record, life_record_query, verified_caller
from tests.wallet.test_licences import resident_id
from wallet.models import SCHEMAS, Holder, HolderKind, LicenceType
from wallet.service import IssueRequest, WalletService

LICENCES = life_record_query("licences")


def _wallet(app: FastAPI) -> WalletService:
    service: WalletService = app.state.services.get(WalletService)
    return service


async def _licences(client: httpx.AsyncClient, caller: SignedInCaller) -> dict[str, Any]:
    section: dict[str, Any] = (await life_record(client, caller, LICENCES))["licences"]
    assert section["__typename"] == "LicencesSection", section
    return section


async def test_the_life_record_licences_are_the_wallets_with_the_issuers_provenance(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the demo data, the departments' licences loaded into the wallet, and Liu verified
    await seed(app.state.resources)
    await seed_wallet(app.state.services)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    held = await _wallet(app).licences_held_by(Holder(HolderKind.CITIZEN, caller.account_id))
    # when he reads the licences section of his life record
    section = await _licences(client, caller)
    # then it lists his wallet's licences, newest issue first, fresh from the wallet
    items = section["items"]
    assert (section["stale"], section["unavailable"]) == (False, None)
    assert [item["kind"]["zh"] for item in items] == [SCHEMAS[lic.type].name.zh for lic in held]
    assert [item["issuedOn"] for item in items] == [lic.issued_on.isoformat() for lic in held]
    assert [item["issuedOn"] for item in items] == sorted(
        (item["issuedOn"] for item in items), reverse=True
    )
    kinds = {item["kind"]["zh"] for item in items}
    assert {"居民身份证", "机动车驾驶证", "不动产权证书", "结婚证"} <= kinds
    # and each one's provenance names the department that issued and sealed it
    for item, licence in zip(items, held, strict=True):
        provenance = item["provenance"]
        assert provenance["source"] == licence.issuer
        assert provenance["department"]["code"] == licence.issuer
        assert provenance["verified"] is True
        assert item["issuer"] == provenance["department"]["name"]["zh"]
        assert item["validUntil"] == (licence.expires_on and licence.expires_on.isoformat())
    police = next(item for item in items if item["kind"]["zh"] == "居民身份证")
    assert police["provenance"]["source"] == "430200-GA"
    assert police["issuer"] == "株洲市公安局"
    # and no document number shows in full: the ID number least of all
    for item in items:
        assert LIU_JIANJUN.id_number not in item["numberMasked"]
        assert "*" in item["numberMasked"]
    # and the exchange carries no copy of them
    assert await app.state.resources.database["exchange_licences"].count_documents({}) == 0


async def test_a_licence_issued_after_a_read_shows_on_the_next_read(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given Li Xiaoyan verified, with an empty wallet: the section holds nothing
    await seed(app.state.resources)
    caller = await verified_caller(client, app, LI_XIAOYAN)
    assert (await _licences(client, caller))["items"] == []
    # when the police issue her ID card
    await _wallet(app).issue(resident_id(caller.account_id, LI_XIAOYAN.id_number))
    # then her next read shows it (the wallet is read every time, not cached)
    items = (await _licences(client, caller))["items"]
    assert [item["kind"]["zh"] for item in items] == ["居民身份证"]
    assert items[0]["provenance"]["source"] == "430200-GA"


async def test_another_citizens_licences_never_show(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the demo wallet, and Li Xiaoyan verified (she holds her own licences)
    await seed(app.state.resources)
    await seed_wallet(app.state.services)
    li = await verified_caller(client, app, LI_XIAOYAN)
    liu = await verified_caller(client, app, LIU_JIANJUN)
    # when each reads their licences
    hers = (await _licences(client, li))["items"]
    his = (await _licences(client, liu))["items"]
    # then neither sees the other's: only their own holder's licences are listed
    wallet = _wallet(app)
    held_by_li = await wallet.licences_held_by(Holder(HolderKind.CITIZEN, li.account_id))
    assert len(hers) == len(held_by_li) > 0
    his_id_card = masked(LIU_JIANJUN.id_number)
    assert his_id_card in {item["numberMasked"] for item in his}
    assert his_id_card not in {item["numberMasked"] for item in hers}
    assert all(licence.holder.id == li.account_id for licence in held_by_li)
    assert not any(item["kind"]["zh"] == "结婚证" for item in hers), "Liu's marriage is his"


async def test_the_wallet_lists_a_holders_licences_newest_issue_first(app: FastAPI) -> None:
    # given three licences of one holder issued on different days, and one of another
    wallet = _wallet(app)
    holder = "acct-order-1"
    for number, issued in (
        ("A1", date(2019, 1, 1)),
        ("A3", date(2023, 1, 1)),
        ("A2", date(2021, 6, 1)),
    ):
        await wallet.issue(
            IssueRequest(
                type=LicenceType.DRIVING_LICENCE,
                holder=Holder(HolderKind.CITIZEN, holder),
                issuer="430200-GA",
                number=number,
                issued_on=issued,
                expires_on=None,
                fields={"name": "张三", "vehicleClass": "C1", "firstIssuedOn": "2019-01-01"},
            )
        )
    await wallet.issue(resident_id("acct-order-2"))
    # when
    held = await wallet.licences_held_by(Holder(HolderKind.CITIZEN, holder))
    # then
    assert [licence.number for licence in held] == ["A3", "A2", "A1"]
    assert await wallet.licences_held_by(Holder(HolderKind.CITIZEN, "acct-nobody")) == []


def test_a_masked_number_shows_at_most_a_third_of_it() -> None:
    assert masked("430204198405122130") == "4302**********2130"
    assert masked("(2015)第0001234号") == "(201*******234号"
    assert masked("AB") == "**"
    assert masked("ABCDEF") == "AB**EF"
