"""Builds the per-request GraphQL context."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from resolvers.context import Context, Services


async def get_context(connection: HTTPConnection) -> Context:
    """A fresh :class:`Context` for each request or WebSocket connection.

    The services are the shared instances the lifespan put on ``app.state``; the
    loaders inside the context are new, so no cached value outlives one request.
    """
    services: Services = connection.app.state.services
    return Context(services=services)
