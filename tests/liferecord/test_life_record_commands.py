"""The database commands of a full ``me.lifeRecord`` do not grow with the items in it."""

from __future__ import annotations

from collections import Counter
from datetime import date

import httpx
from fastapi import FastAPI

from app.resources import Resources
from demo.data.people import LIU_JIANJUN
from demo.exchange.models import DepartmentRecord
from demo.providers import DemoExchange
from demo.seed import seed
from liferecord.models import Section
from tests.conftest import CommandCounter
from tests.identity.factories import SignedInCaller
from tests.liferecord.documents import SECTION_FIELDS, life_record, verified_caller
from tests.liferecord.fakes import AS_OF, section_payload
from wallet.models import Holder, HolderKind, LicenceType
from wallet.service import IssueRequest, WalletService

FEW, MANY = 1, 40
_numbers = iter(range(10**6))


def driving_licence(holder: str) -> IssueRequest:
    """A driving licence of ``holder`` with a number of its own."""
    return IssueRequest(
        type=LicenceType.DRIVING_LICENCE,
        holder=Holder(HolderKind.CITIZEN, holder),
        issuer="430200-GA",
        number=f"D{next(_numbers):08d}",
        issued_on=date(2015, 1, 1),
        expires_on=date(2031, 1, 1),
        fields={"name": LIU_JIANJUN.name, "vehicleClass": "C1", "firstIssuedOn": "2015-01-01"},
    )


async def publish(app: FastAPI, holder: str, items: int) -> None:
    """Liu Jianjun's data sets on the exchange, with ``items`` entries in every list, and
    ``items`` more licences in his wallet."""
    resources: Resources = app.state.resources
    wallet: WalletService = app.state.services.get(WalletService)
    for _ in range(items):
        await wallet.issue(driving_licence(holder))
    for section in Section:
        if section is Section.LICENCES:
            continue  # the wallet's
        payload = section_payload(section, items, name=LIU_JIANJUN.name)
        await DemoExchange.over(resources.database).department_records.upsert(
            section.value,
            [DepartmentRecord(LIU_JIANJUN.id_number, payload.model_dump(mode="json"), AS_OF)],
        )


async def forget_cached_sections(resources: Resources) -> None:
    """Empty the life record's cache, so the next read asks every department again."""
    pattern = f"{resources.settings.redis_key_prefix}lr:*"
    keys = [key async for key in resources.redis.scan_iter(match=pattern)]
    if keys:
        await resources.redis.delete(*keys)


async def commands_of_full_record(
    client: httpx.AsyncClient, caller: SignedInCaller, counter: CommandCounter
) -> tuple[Counter[str], int]:
    """The commands one full life-record query sends, and how many items it returned."""
    counter.reset()
    record = await life_record(client, caller)
    commands = Counter(counter.commands)
    assert all(record[f]["__typename"].endswith("Section") for f in SECTION_FIELDS), record
    items = (
        len(record["licences"]["items"])
        + len(record["properties"]["items"])
        + len(record["income"]["months"])
        + sum(len(a["bills"]) for a in record["utilities"]["accounts"])
        + sum(len(s["history"]) for s in record["socialInsurance"]["schemes"])
    )
    return commands, items


async def test_a_full_life_record_sends_the_same_commands_however_many_items(
    app: FastAPI, client: httpx.AsyncClient, command_counter: CommandCounter
) -> None:
    # given Liu Jianjun, verified, with few items in every section
    resources: Resources = app.state.resources
    await seed(resources)
    caller = await verified_caller(client, app, LIU_JIANJUN)
    await publish(app, caller.account_id, FEW)
    await forget_cached_sections(resources)
    cold, _ = await commands_of_full_record(client, caller, command_counter)
    await forget_cached_sections(resources)
    few, few_items = await commands_of_full_record(client, caller, command_counter)
    # when every section holds many items (and nothing is cached)
    await publish(app, caller.account_id, MANY)
    await forget_cached_sections(resources)
    many, many_items = await commands_of_full_record(client, caller, command_counter)
    # then the commands are the same: one find per section's data set on the exchange or
    # in the wallet (the session and the account, which ``me`` reuses, are remembered
    # since the first request: identity.repositories.sign_in_marks)
    assert many_items > 20 * few_items
    assert many == few
    assert few == Counter({"find": len(Section)})
    # the first request read the session and the account (the verification just before
    # changed the account), and the directory: once for the names of the licences'
    # issuers, once for the departments named by all the provenance together (kept in
    # memory for a minute after)
    assert cold == Counter({"find": 2 + len(Section) + 1 + 1})
    # and with every section cached and fresh, no exchange data set is read (the wallet,
    # ours, is read every time: a licence's change shows at once)
    cached, _ = await commands_of_full_record(client, caller, command_counter)
    assert cached == Counter({"find": 1})
