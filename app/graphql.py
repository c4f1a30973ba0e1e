"""The GraphQL schema with its protective extensions, and the HTTP/WebSocket router."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import strawberry
from cross_web import HTTPException
from fastapi import Request
from fastapi.responses import HTMLResponse
from graphql import GraphQLError, specified_rules
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.extensions import (
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, StreamResult
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType
from strawberry.utils.aio import aclosing

from app.context import authenticate_connection
from app.cors import OriginPolicy
from app.execution import PlannedExecutor
from app.graphiql import graphiql_page
from app.graphql_errors import (
    as_graphql_error,
    finish_errors,
    has_invalid_text,
    invalid_text_error,
)
from app.graphql_limits import introspection_depth_rule, operation_limits_rule
from app.graphql_security import OperationRules, StripSuggestions, coded_rules
from resolvers.context import Context
from resolvers.root import Mutation, Query, Subscription
from resolvers.system import LivePolicy
from schema.errors import PublicError
from schema.scalars import DateTime

logger = logging.getLogger("app.graphql")

# The standard introspection query (GraphiQL's) goes 13 levels below ``__schema``.
INTROSPECTION_MAX_DEPTH = 15

# Raised by Strawberry for requests that name no runnable operation; the router answers
# them with HTTP 400 before any result exists.
_REQUEST_ERRORS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)


@dataclass(frozen=True, slots=True)
class GraphQLLimits:
    """Bounds on what one operation may ask for."""

    max_depth: int = 12
    max_aliases: int = 20
    max_tokens: int = 3000
    cache_size: int = 256
    introspection: bool = True


@dataclass(frozen=True, slots=True)
class LiveLimits:
    """Bounds on WebSocket (graphql-transport-ws) use by one client."""

    max_operations_per_connection: int = 10
    max_connections_per_address: int = 32


class CitySchema(strawberry.Schema):
    """The schema, with one gate every result leaves through.

    Strawberry reports an error from several places (parse and validation hooks,
    execution, each subscription event, exceptions that escape an extension), and its
    ``MaskErrors`` extension sees only some of them. Here each entry point (``execute``,
    ``stream`` and so ``subscribe``) first refuses text that is not valid Unicode, then
    passes every error of every result through :func:`finish_errors` once.
    """

    def __init__(self, *args: Any, live_policy: LivePolicy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live_policy = live_policy or LivePolicy()

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Nothing: errors are logged where they are finished, once each."""

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Run one query or mutation; the result's errors are finished.

        A subscription cannot be answered with one result (executing it would try to
        serialize its event stream): it is refused as an operation type not allowed
        here, which the router answers with HTTP 400. Subscriptions run over WebSocket.
        """
        refused = invalid_text_error(query, variable_values, operation_name, operation_extensions)
        if refused is not None:
            return ExecutionResult(data=None, errors=finish_errors([refused]))
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        try:
            result = await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed - {OperationType.SUBSCRIPTION},
                operation_extensions,
            )
        except _REQUEST_ERRORS:
            raise
        except Exception as exception:  # the gate: nothing leaves unfinished
            return ExecutionResult(data=None, errors=finish_errors([as_graphql_error(exception)]))
        if result.errors:
            result.errors = finish_errors(result.errors)
        return result

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> StreamResult:
        """Run an operation over a streaming transport; every result's errors are finished."""
        refused = invalid_text_error(query, variable_values, operation_name, operation_extensions)
        if refused is not None:
            return _single(PreExecutionError(data=None, errors=finish_errors([refused])))
        source = await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )
        return _finished(source)


async def _single(result: PreExecutionError) -> StreamResult:
    yield result


async def _finished(source: StreamResult) -> StreamResult:
    """``source`` with its errors finished, and an exception escaping it turned into one."""
    first = True
    try:
        async with aclosing(source):
            async for result in source:
                if isinstance(result, ExecutionResult) and result.errors:
                    result.errors = finish_errors(result.errors)
                first = False
                yield result
    except Exception as exception:  # the gate: nothing leaves unfinished
        errors = finish_errors([as_graphql_error(exception)])
        # A first result that is an error ends the operation before it started (the
        # transport then sends graphql-transport-ws ``error``, or closes on a syntax error).
        yield (
            PreExecutionError(data=None, errors=errors)
            if first
            else ExecutionResult(data=None, errors=errors)
        )


def build_schema(
    limits: GraphQLLimits | None = None, *, live_policy: LivePolicy | None = None
) -> CitySchema:
    """The schema with its extensions; ``limits=None`` gives the shape only (export)."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = []
    introspection = True
    if limits is not None:
        introspection = limits.introspection
        # The rule classes are built once: ValidationCache keys on them, so rules made
        # afresh per request (as the stock limiter extensions do) would never hit it.
        rules: list[Any] = [
            *coded_rules(specified_rules),
            operation_limits_rule(max_depth=limits.max_depth, max_aliases=limits.max_aliases),
            introspection_depth_rule(INTROSPECTION_MAX_DEPTH),
        ]
        if not introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        operation_rules = tuple(rules)
        max_tokens = limits.max_tokens
        cache_size = limits.cache_size
        extensions = [
            lambda: OperationRules(operation_rules, max_tokens=max_tokens),
            lambda: ParserCache(maxsize=cache_size),
            lambda: ValidationCache(maxsize=cache_size),
        ]
        if not introspection:
            extensions.append(StripSuggestions)
    return CitySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=not introspection),
        scalar_overrides={datetime: DateTime},
        live_policy=live_policy,
        # Queries run from compiled plans (app/execution); anything else as before.
        execution_context_class=PlannedExecutor,
    )


@dataclass
class ConnectionsByAddress:
    """Open WebSocket connections per client address, in this process.

    Each API instance bounds its own share; the addresses live only in memory.
    """

    limit: int
    open: dict[str, int] = field(default_factory=dict)

    def acquire(self, address: str) -> bool:
        """Count a new connection from ``address``; False (not counted) past the limit."""
        count = self.open.get(address, 0)
        if count >= self.limit:
            return False
        self.open[address] = count + 1
        return True

    def release(self, address: str) -> None:
        """Forget a closed connection."""
        count = self.open.get(address, 0) - 1
        if count > 0:
            self.open[address] = count
        else:
            self.open.pop(address, None)


class BoundedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with a typed refusal past the operations a connection may run."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """Refuse a new operation (``TOO_MANY_OPERATIONS``) while the connection is full."""
        limit = self.max_subscriptions_per_connection
        if (
            limit is not None
            and self.connection_acknowledged
            and message["id"] not in self.operations
            and len(self.operations) >= limit
        ):
            logger.info("graphql.ws.operation_refused reason=too_many_operations")
            error = PublicError(
                f"At most {limit} operations may run at once on one connection; "
                "complete one first.",
                code="TOO_MANY_OPERATIONS",
                extra={"limit": limit},
            )
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        await super().handle_subscribe(message)


class GuardedGraphQLRouter(GraphQLRouter[Context, None]):
    """A router whose body parsing answers 400, never 500, to any malformed JSON, and
    which bounds WebSocket connections per client address."""

    graphql_transport_ws_handler_class = BoundedTransportWS

    connections: ConnectionsByAddress
    # Set per instance by graphql_router; nothing cross-origin is allowed until then.
    origin_policy = OriginPolicy(())

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """A page on another origin may open a WebSocket when SZ_CORS_ORIGINS allows it.

        Strawberry asks only for cross-origin handshakes (no ``Origin``, or our own
        host, are always allowed); a refusal is answered with HTTP 403.
        """
        return self.origin_policy.allows_websocket(origin)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL from this server's pinned copies, never a CDN (see app/graphiql.py)."""
        return graphiql_page(request)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Serve a request; a WebSocket only while its address has connections to spare."""
        if not self.is_websocket_request(request):
            return await super().run(request, context, root_value)
        address = request.client.host if request.client else "unknown"
        if not self.connections.acquire(address):
            logger.info("graphql.ws.connection_refused reason=too_many_connections")
            return await _refuse(request, self.connections.limit)
        try:
            return await super().run(request, context, root_value)
        finally:
            self.connections.release(address)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a WebSocket from its ``connection_init`` payload."""
        if has_invalid_text(context.connection_params):
            raise ConnectionRejectionError
        await authenticate_connection(context)
        unset: UnsetType = UNSET
        return unset

    def decode_json(self, data: str | bytes) -> object:
        """Parse a request body; the caller turns ``JSONDecodeError`` into a 400."""
        try:
            value = json.loads(data)
        except (UnicodeDecodeError, RecursionError) as error:
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        if not isinstance(value, dict):
            raise HTTPException(400, "The request body must be a JSON object")
        return value


async def _refuse(websocket: WebSocket, limit: int) -> WebSocket:
    """Turn a WebSocket handshake down: HTTP 429 where the server can say so, else 403."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        error = PublicError(
            f"At most {limit} WebSocket connections per client address.",
            code="TOO_MANY_CONNECTIONS",
            extra={"limit": limit},
        )
        await websocket.send_denial_response(
            JSONResponse(
                {"errors": [error.formatted]}, status_code=429, headers={"retry-after": "30"}
            )
        )
    else:
        await websocket.close(code=1008)
    return websocket


def graphql_router(
    schema: strawberry.Schema,
    context_getter: Callable[..., Awaitable[Context]],
    *,
    graphiql: bool,
    live: LiveLimits | None = None,
    allowed_origins: Sequence[str] = (),
) -> GraphQLRouter[Context, None]:
    """The ``/graphql`` endpoint: POST JSON only, GraphiQL when asked, graphql-transport-ws.

    ``allowed_origins`` are the origin patterns (``app/cors.py``) whose pages may open a
    WebSocket; HTTP CORS for the same list is middleware (``app.cors.add_cors``).
    """
    live = live or LiveLimits()
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
        max_subscriptions_per_connection=live.max_operations_per_connection,
    )
    router.connections = ConnectionsByAddress(live.max_connections_per_address)
    router.origin_policy = OriginPolicy(allowed_origins)
    return router
