"""Builds the per-request GraphQL context, with the caller's principal."""

from __future__ import annotations

import dataclasses

from starlette.requests import HTTPConnection

from identity.errors import IdentityError
from identity.tokens import TokenError
from resolvers.context import Context, Services

ACTING_FOR_HEADER = "x-acting-for"
"""Names the enterprise (its USCC) a request acts for; see ``RequireScope``."""


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def get_context(connection: HTTPConnection) -> Context:
    """A fresh :class:`Context` for each request or WebSocket connection.

    A presented token that fails verification (expired, forged, revoked session)
    leaves the caller anonymous with the reason recorded, so fields that need a
    principal can say exactly why they refused.
    """
    services: Services = connection.app.state.services
    client_ip = connection.client.host if connection.client else None
    token = bearer_token(connection)
    acting_header = connection.headers.get(ACTING_FOR_HEADER)
    unauthenticated_acting = None if acting_header is None else "AUTHENTICATION_REQUIRED"
    if token is None:
        return Context(
            services=services, acting_failure=unauthenticated_acting, client_ip=client_ip
        )
    try:
        principal, account = await services.sign_in.authenticate(token)
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
    # grant is checked afresh for every HTTP request (once per WebSocket connection).
    try:
        acting_for = await services.enterprises.resolve_acting_for(principal, acting_header)
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
