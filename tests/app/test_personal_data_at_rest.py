"""After a citizen signs in and reads their life record, nothing of them rests in clear."""

from __future__ import annotations

import json
from datetime import date

from fastapi import FastAPI

from demo.data.liferecord import life_records
from demo.data.people import LIU_JIANJUN
from demo.seed import seed
from liferecord.models import Household, Licences, Properties, ProvidentFund, Utilities
from tests.identity.factories import sign_in
from tests.identity.verification_factories import resources_of, verify_as
from tests.liferecord.documents import SECTION_FIELDS, life_record
from tests.stored import client_from, mongo_contents, redis_contents

CLIENT_IP = "198.51.100.23"


def liu_in_clear() -> dict[str, str]:
    """What identifies Liu Jianjun, by what it is: the strings no server may hold in clear."""
    found = {
        "name": LIU_JIANJUN.name,
        "ID number": LIU_JIANJUN.id_number,
        "phone": str(LIU_JIANJUN.phone),
        "address": LIU_JIANJUN.household_address.zh,
        "address (en)": LIU_JIANJUN.household_address.en,
        "client address": CLIENT_IP,
    }
    for item in life_records(date.today()):
        if item.resident.id_number != LIU_JIANJUN.id_number:
            continue
        match item.payload:
            case Household() as household:
                found["household address"] = household.household_address_zh
            case Properties() as properties:
                for i, prop in enumerate(properties.items):
                    found[f"certificate {i}"] = prop.certificate_number
                    found[f"property address {i}"] = prop.address_zh
            case Utilities() as utilities:
                for i, account in enumerate(utilities.accounts):
                    found[f"utility account {i}"] = account.account_number
            case ProvidentFund() as fund:
                found["provident fund account"] = fund.account_number_masked
            case Licences() as licences:
                for i, licence in enumerate(licences.items):
                    found[f"licence {i}"] = licence.number_masked
    return found


def _forms(value: str) -> set[bytes]:
    """``value`` as bytes, raw and as JSON writes it (``\\u5218`` for a Chinese character)."""
    return {value.encode(), json.dumps(value)[1:-1].encode()}


async def test_no_personal_data_rests_in_clear_in_redis_or_mongodb(app: FastAPI) -> None:
    # given the demo data, and Liu Jianjun signed in with his phone and verified
    resources = resources_of(app)
    await seed(resources)
    async with client_from(app, CLIENT_IP) as client:
        caller = await sign_in(client, app, f"+86{LIU_JIANJUN.phone}")
        await verify_as(client, caller, LIU_JIANJUN)
        # when he reads his whole life record (which fills the section cache)
        record = await life_record(client, caller)
    assert all(record[field]["__typename"].endswith("Section") for field in SECTION_FIELDS)
    assert record["household"]["record"]["name"] == LIU_JIANJUN.name
    # then neither Redis nor the service's MongoDB collections hold any of it in clear
    redis = await redis_contents(resources)
    mongo = await mongo_contents(resources)
    assert redis.count(b":lr:") == len(SECTION_FIELDS)  # the cache was written
    assert mongo.startswith("accounts: ")  # the collections are named before each document
    assert "\nsessions: " in mongo
    clear = liu_in_clear()
    assert {"certificate 0", "utility account 0", "provident fund account"} <= set(clear)
    in_redis = [what for what, value in clear.items() if any(f in redis for f in _forms(value))]
    in_mongo = [what for what, value in clear.items() if value in mongo]
    assert (in_redis, in_mongo) == ([], [])
    assert LIU_JIANJUN.birth_date.isoformat().encode() not in redis
