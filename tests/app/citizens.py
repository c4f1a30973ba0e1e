"""A signed-in, real-name citizen of the demo data, as a client becomes one."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from demo.data.people import LIU_JIANJUN
from demo.exchange.models import ResidentRecord
from demo.seed import seed
from tests.identity.factories import SignedInCaller, sign_in
from tests.identity.verification_factories import resources_of, verify_as


async def real_name_citizen(
    client: httpx.AsyncClient, app: FastAPI, resident: ResidentRecord = LIU_JIANJUN
) -> SignedInCaller:
    """Seed the demo data, sign in with ``resident``'s phone and verify their real name."""
    await seed(resources_of(app))
    assert resident.phone is not None
    caller = await sign_in(client, app, f"+86{resident.phone}")
    await verify_as(client, caller, resident)
    return caller
