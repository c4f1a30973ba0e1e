"""Builds the per-request GraphQL context, with the caller's principal."""

from __future__ import annotations

import dataclasses

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket

from identity.errors import IdentityError
from identity.services.enterprises import EnterpriseService
from identity.services.sign_in import SignInService
from identity.tokens import TokenError
from infra.outages import Unavailable, translate_outages
from kit.registry import ServiceRegistry
from resolvers.context import Context
from resolvers.errors import SERVICE_UNAVAILABLE_EN, SERVICE_UNAVAILABLE_ZH

TRY_AGAIN_LATER = 1013
"""WebSocket close code: the server is overloaded or unavailable, try again later."""

ACTING_FOR_HEADER = "x-acting-for"
"""Names the enterprise (its USCC) a request acts for; see ``RequireScope``."""


def parse_bearer(value: str) -> str | None:
    """The token of a ``Bearer …`` credential, if that is what ``value`` is."""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    return parse_bearer(connection.headers.get("authorization", ""))


def connection_token(context: Context) -> str | None:
    """The bearer token a WebSocket connection signed in with, if any.

    The upgrade request's ``Authorization`` header decides when there was one; otherwise
    the ``connection_init`` payload's ``authorization`` (browsers and mini-programs
    cannot set headers on a WebSocket, so graphql-transport-ws clients send it there).
    """
    if context.request is not None:
        header = bearer_token(context.request)
        if header is not None:
            return header
    params = context.connection_params if isinstance(context.connection_params, dict) else {}
    value = params.get("authorization", params.get("Authorization"))
    return parse_bearer(value) if isinstance(value, str) else None


async def authenticate_connection(context: Context) -> None:
    """Sign in a WebSocket from its ``connection_init`` payload.

    A header, when there was one, has already decided (in :func:`get_context`) and is
    kept. The principal found here is the connection's at connect time only: every
    operation establishes its own again (:func:`operation_context`).
    """
    if context.principal is not None or bearer_token_given(context):
        return
    token = connection_token(context)
    if token is None:
        return
    # As for a request: the token, then the enterprise the upgrade request acts for.
    request = context.request
    acting_header = None if request is None else request.headers.get(ACTING_FOR_HEADER)
    found = await caller_context(
        context.services, token, acting_header, client_ip=context.client_ip
    )
    context.principal, context.account = found.principal, found.account
    context.auth_failure, context.acting_failure = found.auth_failure, found.acting_failure


def bearer_token_given(context: Context) -> bool:
    """True when the connection's upgrade request carried a bearer header."""
    return context.request is not None and bearer_token(context.request) is not None


async def get_context(connection: HTTPConnection) -> Context:
    """A fresh :class:`Context` for each request or WebSocket connection.

    A presented token that fails verification (expired, forged, revoked session)
    leaves the caller anonymous with the reason recorded, so fields that need a
    principal can say exactly why they refused. When the database cannot be asked
    whether the session is still active, :class:`Unavailable` is raised: the request
    gets :func:`unavailable_response`, never an anonymous answer (which would tell
    the client to sign in again) or a crash.
    """
    client_ip = connection.client.host if connection.client else None
    return await caller_context(
        connection.app.state.services,
        bearer_token(connection),
        connection.headers.get(ACTING_FOR_HEADER),
        client_ip=client_ip,
    )


async def operation_context(connection: Context) -> Context:
    """The context of one operation sent over a WebSocket connection.

    The caller is established afresh, exactly as for an HTTP request (same token
    check, same session read, same acting-for check): a session revoked or signed out,
    or an access token expired, since the connection opened leaves this operation
    anonymous with the reason recorded, and the assurance level is the session's as of
    now (a face check done after connecting counts). The DataLoaders are the
    operation's own, so nothing read for one operation is served to a later one.
    Raises :class:`Unavailable` when the session cannot be read.
    """
    request = connection.request
    acting_header = None if request is None else request.headers.get(ACTING_FOR_HEADER)
    context = await caller_context(
        connection.services,
        connection_token(connection),
        acting_header,
        client_ip=connection.client_ip,
    )
    context.request = request
    context.connection_params = connection.connection_params
    return context


def credential_lapsed(connection: Context, operation: Context) -> bool:
    """True when a connection signed in at connect time is signed in no more.

    Its token can never become valid again on this connection (a graphql-transport-ws
    connection cannot change its ``connection_init`` payload), so the router closes it.
    """
    return connection.principal is not None and operation.principal is None


async def caller_context(
    services: ServiceRegistry,
    token: str | None,
    acting_header: str | None,
    *,
    client_ip: str | None,
) -> Context:
    """A context for whoever ``token`` (and ``X-Acting-For``) names, checked now.

    The one place a caller is established, for HTTP requests and WebSocket operations
    alike: the session and the account (read together, or remembered by this instance
    while their sign-in marks are unchanged: ``identity.repositories.sign_in_marks``),
    plus the enterprise grant when ``acting_header`` asks to act for one.
    """
    unauthenticated_acting = None if acting_header is None else "AUTHENTICATION_REQUIRED"
    if token is None:
        return Context(
            services=services, acting_failure=unauthenticated_acting, client_ip=client_ip
        )
    try:
        with translate_outages():
            principal, account = await services.get(SignInService).authenticate(token)
    except TokenError as error:
        return Context(
            services=services,
            auth_failure=error.reason,
            acting_failure=unauthenticated_acting,
            client_ip=client_ip,
        )
    if acting_header is None:
        return Context(services=services, principal=principal, account=account, client_ip=client_ip)
    # Acting for an enterprise is never implied: only this header asks for it, and the
    # grant is checked afresh for every HTTP request and every WebSocket operation.
    try:
        with translate_outages():
            acting_for = await services.get(EnterpriseService).resolve_acting_for(
                principal, acting_header
            )
    except IdentityError as error:
        return Context(
            services=services,
            principal=principal,
            account=account,
            acting_failure=error.code,
            client_ip=client_ip,
        )
    return Context(
        services=services,
        principal=dataclasses.replace(principal, acting_for=acting_for),
        account=account,
        client_ip=client_ip,
    )


async def unavailable_response(connection: HTTPConnection, error: Exception) -> JSONResponse | None:
    """The answer to a request whose context could not be built during an outage.

    HTTP: 503 with ``Retry-After`` and a GraphQL-shaped JSON body (``data: null`` and
    one error with ``extensions.code`` ``SERVICE_UNAVAILABLE``). A WebSocket upgrade
    gets the same 503 where the server can deny an upgrade with a response; otherwise
    it is accepted and closed with 1013 (try again later), not refused as forbidden.
    """
    retry_after = error.retry_after if isinstance(error, Unavailable) else 5
    response = JSONResponse(
        {
            "data": None,
            "errors": [
                {
                    "message": SERVICE_UNAVAILABLE_ZH,
                    "extensions": {
                        "code": "SERVICE_UNAVAILABLE",
                        "messageEn": SERVICE_UNAVAILABLE_EN,
                        "retryAfterSeconds": retry_after,
                    },
                }
            ],
        },
        status_code=503,
        headers={"Retry-After": str(retry_after)},
    )
    if not isinstance(connection, WebSocket):
        return response
    if "websocket.http.response" in connection.scope.get("extensions", {}):
        await connection.send_denial_response(response)
        return None
    offered = connection.scope.get("subprotocols") or []
    await connection.accept(subprotocol=offered[0] if offered else None)
    await connection.close(code=TRY_AGAIN_LATER, reason="service unavailable")
    return None
