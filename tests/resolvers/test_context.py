"""The principal helpers of the resolver context."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from identity.services.sign_in import SignInService
from resolvers.context import Context
from tests.conftest import CommandCounter
from tests.identity.factories import sign_in


async def test_require_principal_of_an_anonymous_request_is_a_bug_not_an_answer(
    app: FastAPI,
) -> None:
    context = Context(services=app.state.services)
    with pytest.raises(RuntimeError, match="RequireLevel"):
        context.require_principal()
    with pytest.raises(RuntimeError, match="RequireLevel"):
        await context.require_account()


async def test_require_account_reuses_the_account_read_when_the_request_was_authenticated(
    app: FastAPI, client: httpx.AsyncClient, command_counter: CommandCounter
) -> None:
    # given a signed-in caller, authenticated as a request is
    caller = await sign_in(client, app)
    services = app.state.services
    principal, account = await services.get(SignInService).authenticate(caller.access_token)
    command_counter.reset()
    # when the context kept the account, it is handed back without a database read
    kept = Context(services=services, principal=principal, account=account)
    assert kept.require_principal() is principal
    assert await kept.require_account() is account
    assert command_counter.commands == []
    # and when it did not, the account is read once
    unkept = Context(services=services, principal=principal)
    assert (await unkept.require_account()).id == caller.account_id
    assert command_counter.commands == ["find"]
