"""The GraphQL schema with its protective extensions, and the HTTP/WebSocket router."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from cross_web import HTTPException
from fastapi import Request, WebSocket
from fastapi.responses import HTMLResponse
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.config import StrawberryConfig
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionContext
from strawberry.types.unset import UNSET, UnsetType

from app.context import authenticate_connection
from app.cors import OriginPolicy
from app.graphiql import graphiql_page
from app.graphql_security import (
    MASKED_MESSAGE,
    StripSuggestions,
    introspection_depth_rule,
    log_errors,
    should_mask,
)
from resolvers.context import Context
from resolvers.root import Mutation, Query, Subscription

# The standard introspection query (GraphiQL's) goes 13 levels below ``__schema``.
INTROSPECTION_MAX_DEPTH = 15


@dataclass(frozen=True, slots=True)
class GraphQLLimits:
    """Bounds on what one operation may ask for."""

    max_depth: int = 12
    max_aliases: int = 20
    max_tokens: int = 3000
    cache_size: int = 256
    introspection: bool = True


class CitySchema(strawberry.Schema):
    """The schema, logging errors our way (see :func:`log_errors`)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Called with the original errors, before ``MaskErrors`` replaces them."""
        log_errors(errors)


def build_schema(limits: GraphQLLimits | None = None) -> strawberry.Schema:
    """The schema with its extensions; ``limits=None`` gives the shape only (export)."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = []
    introspection = True
    if limits is not None:
        introspection = limits.introspection
        # The rule classes are built once: ValidationCache keys on them, so rules made
        # afresh per request (as the stock limiter extensions do) would never hit it.
        rules: list[Any] = [
            *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
            introspection_depth_rule(INTROSPECTION_MAX_DEPTH),
        ]
        if not introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        cache_size = limits.cache_size
        extensions = [
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: ParserCache(maxsize=cache_size),
            lambda: AddValidationRules(rules),
            lambda: ValidationCache(maxsize=cache_size),
            lambda: MaskErrors(should_mask_error=should_mask, error_message=MASKED_MESSAGE),
        ]
        if not introspection:
            extensions.append(StripSuggestions)
    return CitySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=not introspection),
    )


class GuardedGraphQLRouter(GraphQLRouter[Context, None]):
    """A router whose body parsing answers 400, never 500, to any malformed JSON."""

    # Set per instance by graphql_router; nothing cross-origin is allowed until then.
    origin_policy = OriginPolicy(())

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """A page on another origin may open a WebSocket when SZ_CORS_ORIGINS allows it.

        Strawberry asks only for cross-origin handshakes (no ``Origin``, or our own
        host, are always allowed); a refusal is answered with HTTP 403.
        """
        return self.origin_policy.allows_websocket(origin)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a WebSocket from its ``connection_init`` payload."""
        await authenticate_connection(context)
        unset: UnsetType = UNSET
        return unset

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL from this server's pinned copies, never a CDN (see app/graphiql.py)."""
        return graphiql_page(request)

    def decode_json(self, data: str | bytes) -> object:
        """Parse a request body; the caller turns ``JSONDecodeError`` into a 400."""
        try:
            value = json.loads(data)
        except (UnicodeDecodeError, RecursionError) as error:
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        if not isinstance(value, dict):
            raise HTTPException(400, "The request body must be a JSON object")
        return value


def graphql_router(
    schema: strawberry.Schema,
    context_getter: Callable[..., Awaitable[Context]],
    *,
    graphiql: bool,
    allowed_origins: Sequence[str] = (),
) -> GraphQLRouter[Context, None]:
    """The ``/graphql`` endpoint: POST JSON only, GraphiQL when asked, graphql-transport-ws.

    ``allowed_origins`` are the origin patterns (``app/cors.py``) whose pages may open a
    WebSocket; HTTP CORS for the same list is middleware (``app.cors.add_cors``).
    """
    router = GuardedGraphQLRouter(
        schema,
        context_getter=context_getter,
        graphql_ide="graphiql" if graphiql else None,
        # Queries over GET could be sent cross-site by any page (and cached by proxies);
        # our clients all POST JSON, which a browser cannot forge without a preflight.
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        keep_alive=True,
        keep_alive_interval=15,
    )
    router.origin_policy = OriginPolicy(allowed_origins)
    return router
