"""The application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import cast

from fastapi import FastAPI
from pymongo import monitoring
from starlette.types import ExceptionHandler

from app import graphiql, health, wallet_cards, wellknown
from app.context import get_context, unavailable_response
from app.cors import add_cors
from app.graphql import (
    GraphQLLimits,
    LiveLimits,
    build_schema,
    direct_http_routes,
    graphql_router,
)
from app.http_limits import BodySizeLimit
from app.resources import open_resources, start_opened
from app.services import ProviderWiring, build_services, wire_providers
from app.settings import Environment, Settings
from app.trusted_documents import TrustedDocuments
from infra.outages import Unavailable
from resolvers.system import LivePolicy

logger = logging.getLogger("app")


def create_app(
    settings: Settings | None = None,
    *,
    mongo_listeners: Sequence[monitoring.CommandListener] = (),
    providers: ProviderWiring = wire_providers,
    direct_graphql: bool = True,
) -> FastAPI:
    """A FastAPI app serving ``/graphql``, ``/healthz`` and ``/readyz``.

    ``mongo_listeners`` observe every database command (tests count them).
    ``providers`` builds the adapters to vendors, registers and departments: the
    product's own wiring refuses to start until real adapters exist, so the demo
    (``demo.providers.demo_providers``) and the tests pass theirs; staging refuses the
    development ones. ``direct_graphql=False`` serves ``/graphql`` over HTTP through
    Strawberry's FastAPI routes instead of ``direct_http_routes`` (tests compare them).
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = open_resources(settings, mongo_listeners=mongo_listeners)
        try:
            # Wired first (no I/O): the domains' repositories get their indexes on start.
            services = build_services(resources, providers(resources))
        except BaseException:
            await resources.close()
            raise
        await start_opened(resources)
        app.state.resources = resources
        app.state.services = services
        # Everything built at start-up lives as long as the process: move it out of the
        # collector's sight, so full collections (which pause every request in flight)
        # only walk what requests allocate.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await resources.close()

    production = settings.is_production_like
    app = FastAPI(
        title="Smart Zhuzhou API",
        lifespan=lifespan,
        docs_url=None if production else "/docs",
        redoc_url=None,
        openapi_url=None if production else "/openapi.json",
    )
    app.state.settings = settings
    schema = build_schema(
        GraphQLLimits(
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            max_tokens=settings.graphql_max_tokens,
            cache_size=settings.graphql_cache_size,
            introspection=not production,
        ),
        live_policy=LivePolicy(anonymous_heartbeat=settings.environment is Environment.DEVELOPMENT),
        plans=settings.graphql_execution_plans,
    )
    graphql = graphql_router(
        schema,
        get_context,
        graphiql=settings.graphiql_enabled,
        allowed_origins=settings.allowed_origins,
        live=LiveLimits(
            max_operations_per_connection=settings.ws_max_operations_per_connection,
            max_connections_per_address=settings.ws_max_connections_per_address,
        ),
        # Loaded once, as the app is built: a broken manifest stops the start.
        documents=TrustedDocuments.from_file(settings.graphql_documents_manifest),
        document_mode=settings.document_mode,
    )
    if direct_graphql:
        direct_http_routes(app, graphql, "/graphql")
    app.include_router(graphql, prefix="/graphql")
    if settings.graphiql_enabled:
        app.include_router(graphiql.router, prefix="/graphql/assets")
    app.include_router(health.router)
    app.include_router(wellknown.router)
    app.include_router(wallet_cards.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Raised while building a request's context (the session check needs the database).
    # Starlette calls it with a Request or a WebSocket; it answers each its own way.
    app.add_exception_handler(Unavailable, cast("ExceptionHandler", unavailable_response))
    add_cors(app, settings.allowed_origins)  # last: outermost
    return app
