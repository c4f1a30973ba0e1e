"""Builds the per-request GraphQL context, with the caller's principal."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from identity.tokens import TokenError
from resolvers.context import Context, Services


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
    if token is None:
        return Context(services=services, client_ip=client_ip)
    try:
        principal = await services.sign_in.authenticate(token)
    except TokenError as error:
        return Context(services=services, auth_failure=error.reason, client_ip=client_ip)
    return Context(services=services, principal=principal, client_ip=client_ip)
