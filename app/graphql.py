"""The GraphQL schema with its protective extensions, and the HTTP/WebSocket router."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import strawberry
from cross_web import HTTPException
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from graphql import GraphQLError, parse, specified_rules
from graphql import OperationType as DocumentOperation
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.background import BackgroundTasks
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.fastapi import GraphQLRouter
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, StreamResult
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType
from strawberry.utils.aio import aclosing

from app.context import authenticate_connection
from app.cors import OriginPolicy
from app.document_policy import (
    DocumentRequestData,
    admit,
    cache_control,
    is_json,
    parse_request,
)
from app.execution import PlannedExecutor, plan_for
from app.graphiql import graphiql_page
from app.graphql_errors import (
    as_graphql_error,
    finish_errors,
    has_invalid_text,
    invalid_text_error,
)
from app.graphql_limits import introspection_depth_rule, operation_limits_rule
from app.graphql_security import OperationRules, StripSuggestions, coded_rules
from app.graphql_ws import BoundedTransportWS, ConnectionsByAddress, refuse_websocket
from app.json_encoding import encode_response, reject_non_finite
from app.prepared_execution import PreparedExecution
from app.trusted_documents import DocumentMode, DocumentRefused, TrustedDocuments
from app.validation_cache import SourceValidationCache, ValidationResults
from resolvers.context import Context
from resolvers.root import Mutation, Query, Subscription
from resolvers.system import LivePolicy
from schema.scalars import DateTime

logger = logging.getLogger("app.graphql")

# The standard introspection query (GraphiQL's) goes 13 levels below ``__schema``.
INTROSPECTION_MAX_DEPTH = 15

# Raised by Strawberry for requests that name no runnable operation; the router answers
# them with HTTP 400 before any result exists.
_REQUEST_ERRORS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)

# What each method runs (Strawberry's ``OperationType.from_http``, less subscriptions,
# which ``CitySchema.execute`` refuses, and with GET reduced to queries by ``admit``).
_RUNNABLE = {
    "GET": frozenset({DocumentOperation.QUERY}),
    "POST": frozenset({DocumentOperation.QUERY, DocumentOperation.MUTATION}),
}


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
    limits: GraphQLLimits | None = None,
    *,
    live_policy: LivePolicy | None = None,
    plans: bool = True,
) -> CitySchema:
    """The schema with its extensions; ``limits=None`` gives the shape only (export).

    ``plans``: queries run from compiled execution plans (``app/execution``); without,
    graphql-core's generic executor runs everything.
    """
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = []
    introspection = True
    if limits is not None:
        introspection = limits.introspection
        # The rule classes are built once: the validation cache keys on them, so rules made
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
        validated = ValidationResults(cache_size)
        extensions = [
            lambda: OperationRules(operation_rules, max_tokens=max_tokens),
            lambda: ParserCache(maxsize=cache_size),
            lambda: SourceValidationCache(validated),
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
        execution_context_class=PlannedExecutor if plans else None,
    )


class GuardedGraphQLRouter(GraphQLRouter[Context, None]):
    """A router whose body parsing answers 400, never 500, to any malformed JSON, and
    which bounds WebSocket connections per client address."""

    graphql_transport_ws_handler_class = BoundedTransportWS

    connections: ConnectionsByAddress
    # Set per instance by graphql_router; nothing cross-origin is allowed until then.
    origin_policy = OriginPolicy(())
    # Set per instance by graphql_router: the app's context getter, for serve_http.
    context_builder: Callable[[Request], Awaitable[Context]]
    # Set per instance by graphql_router: no trusted document until then.
    documents = TrustedDocuments({})
    document_mode = DocumentMode.ALLOW
    # Set per instance by graphql_router: operations that run without the view.
    prepared: PreparedExecution | None = None

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """A page on another origin may open a WebSocket when SZ_CORS_ORIGINS allows it.

        Strawberry asks only for cross-origin handshakes (no ``Origin``, or our own
        host, are always allowed); a refusal is answered with HTTP 403.
        """
        return self.origin_policy.allows_websocket(origin)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL from this server's pinned copies, never a CDN (see app/graphiql.py)."""
        return graphiql_page(request)

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL for a browser's GET that names no operation (neither text nor id)."""
        params = request.query_params
        return super().should_render_graphql_ide(request) and params.get("documentId") is None

    async def parse_http_body(self, request: Any) -> DocumentRequestData:
        """A GET's query string or a POST's JSON object; the document it names resolved.

        Batches, multipart uploads and HTTP streaming are off, so only these two
        shapes exist. An id that names no trusted document is refused here.
        """
        if request.method == "GET":
            data = self.parse_query_params(request.query_params)
        elif is_json(request.content_type):
            data = self.parse_json(await request.get_body())
        else:
            raise HTTPException(400, "Unsupported content type")
        return parse_request(data, self.documents)

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: Any,
    ) -> ExecutionResult:
        """Admit the caller to the document (the mode, GET rules), then execute as usual."""
        method = request_adapter.method
        if isinstance(request_data, DocumentRequestData):
            admit(request_data, context, mode=self.document_mode, method=method)
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if method == "GET" and isinstance(request_data, DocumentRequestData):
            failed = bool(result.errors)
            sub_response.headers["cache-control"] = cache_control(
                request_data, context, failed=failed
            )
            sub_response.headers["vary"] = "Authorization, X-Acting-For"
        return result

    async def serve_http(self, request: Request) -> Response:
        """A GET or POST to ``/graphql``, served without FastAPI's dependency injection.

        Exactly what Strawberry's FastAPI endpoints do (``handle_http_get`` and
        ``handle_http_post`` with their ``context_getter`` dependency): the context from
        :attr:`context_builder`, given the request, a ``BackgroundTasks`` and a header-only
        sub-response; ``run``; a view's ``HTTPException`` as plain text; the background
        tasks on the response. Resolving those dependencies cost about a sixth of a
        request's CPU on the departments page; see :func:`direct_http_routes`.

        A request whose operation is prepared (a trusted document, or ad-hoc text seen
        before) is answered by :meth:`_serve_prepared` without the view; everything
        else by ``run``.
        """
        context = await self.context_builder(request)
        background = BackgroundTasks()
        sub_response = Response()
        # As FastAPI prepares a ``response: Response`` parameter: headers only.
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]
        context.request = request
        context.background_tasks = background
        context.response = sub_response
        self.temporal_response = sub_response
        try:
            prepared = await self._serve_prepared(request, context, sub_response)
            response: Response = (
                prepared
                if prepared is not None
                else await self.run(request=request, context=context, root_value=None)
            )
        except HTTPException as error:
            response = PlainTextResponse(error.reason, status_code=error.status_code)
        if response.background is None:
            response.background = background
        return response

    async def _serve_prepared(
        self, request: Request, context: Context, sub_response: Response
    ) -> Response | None:
        """The answer to a GET, or a POST of JSON, whose operation is prepared
        (``app/prepared_execution.py``): a trusted document's, or ad-hoc text's once
        parsed and validated; None for any other request, before any effect.

        The view's steps, in its order, for that case: the body parsed and the document
        resolved (``parse_http_body``), the caller admitted, the operation run as
        ``CitySchema.execute`` runs it, the GET cache headers (``execute_single``), the
        result processed and encoded into a response merged with the sub-response
        (``run``). A request the view would refuse, or whose text is not valid Unicode,
        or that selects another operation or one its method may not run, is left to the
        view, which answers (and logs) it as ever.
        """
        prepared_execution = self.prepared
        if prepared_execution is None:
            return None
        method = request.method
        get = method == "GET"
        if get and (self.should_render_graphql_ide(request) or not self.allow_queries_via_get):
            return None
        try:
            if get:
                data = self.parse_query_params(request.query_params)
            elif is_json(request.headers.get("content-type")):
                data = self.parse_json(await request.body())
            else:
                return None
            request_data = parse_request(data, self.documents)
            admit(request_data, context, mode=self.document_mode, method=method)
        except (HTTPException, DocumentRefused):
            return None
        text = request_data.query
        name = request_data.operation_name
        variables = request_data.variables
        extensions = request_data.extensions
        if text is None or invalid_text_error(text, variables, name, extensions):
            return None
        document = request_data.document
        prepared = (
            prepared_execution.operation(document, name)
            if document is not None
            else prepared_execution.ad_hoc(text, name)
        )
        if prepared is None or prepared.kind not in _RUNNABLE[method]:
            return None
        result = await prepared_execution.execute(
            prepared, variables=variables, context=context, extensions=extensions
        )
        if get:
            sub_response.headers["cache-control"] = cache_control(
                request_data, context, failed=bool(result.errors)
            )
            sub_response.headers["vary"] = "Authorization, X-Acting-For"
        response_data = await self.process_result(request, result)  # type: ignore[arg-type]
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    def encode_json(self, data: object) -> bytes:
        """orjson, byte for byte what ``json.dumps`` gave (``app/json_encoding.py``)."""
        return encode_response(data)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Serve a request; a WebSocket only while its address has connections to spare."""
        if not self.is_websocket_request(request):
            try:
                return await super().run(request, context, root_value)
            except DocumentRefused as refused:
                logger.info("graphql.document_refused code=%s", refused.code)
                return Response(
                    encode_response(refused.body()),
                    status_code=refused.status,
                    media_type="application/json",
                    headers=refused.headers,
                )
        address = request.client.host if request.client else "unknown"
        if not self.connections.acquire(address):
            logger.info("graphql.ws.connection_refused reason=too_many_connections")
            return await refuse_websocket(request, self.connections.limit)
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
            value = json.loads(data, parse_constant=reject_non_finite)
        except json.JSONDecodeError:
            raise
        except (ValueError, RecursionError) as error:  # bad UTF-8, NaN or Infinity, nesting
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        if not isinstance(value, dict):
            raise HTTPException(400, "The request body must be a JSON object")
        return value


def graphql_router(
    schema: strawberry.Schema,
    context_getter: Callable[..., Awaitable[Context]],
    *,
    graphiql: bool,
    live: LiveLimits | None = None,
    allowed_origins: Sequence[str] = (),
    documents: TrustedDocuments | None = None,
    document_mode: DocumentMode = DocumentMode.ALLOW,
) -> GuardedGraphQLRouter:
    """The ``/graphql`` endpoint: POST JSON, GET of trusted queries, GraphiQL when asked,
    graphql-transport-ws.

    ``documents`` are the trusted documents a request may name by id; ``document_mode``
    says whether anything else runs (``app/trusted_documents.py``).

    ``allowed_origins`` are the origin patterns (``app/cors.py``) whose pages may open a
    WebSocket; HTTP CORS for the same list is middleware (``app.cors.add_cors``).
    """
    live = live or LiveLimits()
    router = GuardedGraphQLRouter(
        schema,
        context_getter=context_getter,
        graphql_ide="graphiql" if graphiql else None,
        # GET runs trusted queries only (admit refuses ad-hoc text and mutations), so a
        # page elsewhere can make a browser run nothing but the app's own reads, and
        # proxies may keep the public ones.
        allow_queries_via_get=True,
        multipart_uploads_enabled=False,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        keep_alive=True,
        keep_alive_interval=15,
        max_subscriptions_per_connection=live.max_operations_per_connection,
    )
    router.context_builder = context_getter
    router.connections = ConnectionsByAddress(live.max_connections_per_address)
    router.origin_policy = OriginPolicy(allowed_origins)
    router.documents = documents if documents is not None else TrustedDocuments({})
    router.document_mode = document_mode
    planned = getattr(schema, "execution_context_class", None) is PlannedExecutor
    for trusted in router.documents if planned else ():
        # Each trusted query's plan is compiled at start-up and kept out of the LRU.
        parsed = parse(trusted.text)
        for name, kind in trusted.operations.items():
            if kind is DocumentOperation.QUERY:
                plan_for(schema._schema, parsed, name, pinned=True)
    # Each trusted document parsed and validated once, to run without the view (and
    # ad-hoc text once it has parsed and validated).
    router.prepared = PreparedExecution.prepare(schema, router.documents)
    return router


def direct_http_routes(app: FastAPI, router: GuardedGraphQLRouter, path: str) -> None:
    """Serve HTTP GET and POST at ``path`` through :meth:`GuardedGraphQLRouter.serve_http`.

    Call before including ``router`` at ``path``: routes match in order, so these two
    Starlette routes answer, and Strawberry's FastAPI routes stay for the WebSocket and
    the OpenAPI description. The same middleware and exception handlers run around both
    (an outage while building the context still answers 503). One route per method, GET
    first, as Strawberry's are, so a request with another method is refused alike (405,
    ``Allow: GET``); Starlette's automatic HEAD is taken off, as FastAPI has none.
    ``tests/app/test_direct_routes.py`` holds both to the same status, headers and body.
    """
    for method in ("GET", "POST"):
        app.add_route(path, router.serve_http, methods=[method], include_in_schema=False)
        route = app.router.routes[-1]
        assert isinstance(route, Route)
        route.methods = {method}
