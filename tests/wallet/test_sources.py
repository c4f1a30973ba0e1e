"""Departments' licence sources loaded into the wallet: idempotent, on the real servers."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from datetime import date

import httpx
from fastapi import FastAPI

from demo.data.enterprise_records import NOODLES
from demo.data.liferecord import city_today
from demo.data.people import LIU_JIANJUN, ZENG_ZIXUAN
from demo.data.wallet import demo_licences
from demo.seed import seed, seed_wallet
from kit.registry import ServiceRegistry
from tests.conftest import CommandCounter
from tests.identity.factories import sign_in
from tests.identity.verification_factories import resources_of
from tests.wallet.test_licences import business_licence, resident_id
from wallet.loading import LicenceSourceLoader, LoadReport
from wallet.models import SCHEMAS, HolderKind, LicenceType
from wallet.service import IssueRequest, WalletService

GA = "430200-GA"


class ListedSource:
    """A department's source answering a fixed list, then optionally failing."""

    def __init__(
        self, department_code: str, requests: list[IssueRequest], *, fail_after: bool = False
    ) -> None:
        self.department_code = department_code
        self._requests = requests
        self._fail_after = fail_after

    async def licences(self) -> AsyncIterator[IssueRequest]:
        for request in self._requests:
            yield request
        if self._fail_after:
            raise ConnectionError("department down")


def _services(app: FastAPI) -> ServiceRegistry:
    services: ServiceRegistry = app.state.services
    return services


async def _stored(app: FastAPI, query: Mapping[str, object] | None = None) -> int:
    return await resources_of(app).database["licences"].count_documents(dict(query or {}))


async def test_loading_a_source_twice_issues_each_licence_once(
    app: FastAPI, command_counter: CommandCounter
) -> None:
    # given a department source that answers two licences, one of them twice
    loader = _services(app).get(LicenceSourceLoader)
    first, second = resident_id("acct-0001"), resident_id("acct-0002", "430202199202021236")
    source = ListedSource(GA, [first, second, first])
    # when it is loaded, then loaded again
    report = await loader.load(source)
    command_counter.reset()
    again = await loader.load(source)
    # then each licence is issued once: the repeat in one answer and the reload add nothing
    assert report == LoadReport(GA, issued=2, already_issued=1)
    assert again == LoadReport(GA, issued=0, already_issued=3)
    assert command_counter.commands == ["find"] * 3, "a reload reads each licence, writes none"
    assert await _stored(app) == 2
    wallet = _services(app).get(WalletService)
    uri = wallet.licence_uri(GA, LicenceType.RESIDENT_ID, first.number)
    assert (await wallet.verify(uri)).authentic


async def test_a_licence_of_another_department_or_refused_by_its_schema_is_not_issued(
    app: FastAPI,
) -> None:
    # given a police source that also answers a business licence and a broken ID card
    broken = dataclasses.replace(resident_id("acct-0005"), fields={"name": "张三"})
    source = ListedSource(GA, [business_licence(), broken, resident_id("acct-0003")])
    # when it is loaded
    report = await _services(app).get(LicenceSourceLoader).load(source)
    # then only its own, valid licence is issued; the others are counted as refused
    assert report == LoadReport(GA, issued=1, refused=2)
    assert await _stored(app) == 1
    assert await _stored(app, {"issuer": "430200-SCJG"}) == 0


async def test_a_source_failing_midway_keeps_what_it_issued_and_says_so(app: FastAPI) -> None:
    source = ListedSource(GA, [resident_id("acct-0004")], fail_after=True)
    report = await _services(app).get(LicenceSourceLoader).load(source)
    assert report == LoadReport(GA, issued=1, failed=True)
    assert await _stored(app) == 1


async def test_the_demo_seed_loads_every_demo_licence_once_through_the_sources(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # given the demo data
    await seed(resources_of(app))
    expected = [
        licence
        for licence in demo_licences(city_today())
        if licence.uscc or (licence.citizen is not None and licence.citizen.phone is not None)
    ]
    # when the wallet is seeded twice
    held = await seed_wallet(_services(app))
    again = await seed_wallet(_services(app))
    # then every demo licence is there once, sealed by its department
    assert held == again == len(expected) == await _stored(app)
    assert (
        await _stored(app, {"holder.kind": HolderKind.ENTERPRISE.value, "holder.id": NOODLES.uscc})
        == 2
    )
    types = {licence.type for licence in expected}
    assert types >= {
        LicenceType.RESIDENT_ID,
        LicenceType.DRIVING_LICENCE,
        LicenceType.REAL_ESTATE_CERTIFICATE,
        LicenceType.MARRIAGE_CERTIFICATE,
        LicenceType.PROVIDENT_FUND_CERTIFICATE,
        LicenceType.BUSINESS_LICENCE,
        LicenceType.FOOD_BUSINESS_LICENCE,
    }
    wallet = _services(app).get(WalletService)
    for licence in expected[:5]:
        uri = wallet.licence_uri(licence.issuer, licence.type, licence.number)
        assert (await wallet.verify(uri)).authentic, uri
    # and a demo citizen signing in finds the account that holds their licences
    assert LIU_JIANJUN.phone is not None
    caller = await sign_in(client, app, f"+86{LIU_JIANJUN.phone}")
    query = {"holder.kind": HolderKind.CITIZEN.value, "holder.id": caller.account_id}
    liu = [licence for licence in expected if licence.citizen == LIU_JIANJUN]
    assert await _stored(app, query) == len(liu) >= 4
    assert not [licence for licence in expected if licence.citizen == ZENG_ZIXUAN]


def test_every_demo_licence_is_issued_by_a_department_that_issues_its_type() -> None:
    for licence in demo_licences(date(2026, 12, 2)):
        assert licence.issuer in SCHEMAS[licence.type].issuers, licence.type
