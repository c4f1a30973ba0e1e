"""The WebSocket side of ``/graphql`` (graphql-transport-ws): connections bounded per
client address, operations bounded per connection, the document rules applied to every
operation, and the caller established afresh for each one."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from cross_web import HTTPException
from graphql import GraphQLError, GraphQLFormattedError
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    ErrorMessage,
    SubscribeMessage,
)
from strawberry.utils.aio import aclosing

from app.context import credential_lapsed, operation_context
from app.document_policy import DocumentRequestData, admit, parse_request
from app.graphql_errors import as_graphql_error, finish_errors
from app.trusted_documents import DocumentMode, DocumentRefused, TrustedDocuments
from infra.outages import Unavailable
from resolvers.context import Context
from resolvers.errors import SERVICE_UNAVAILABLE_EN, SERVICE_UNAVAILABLE_ZH
from schema.errors import PublicError

logger = logging.getLogger("app.graphql")


@runtime_checkable
class DocumentRules(Protocol):
    """What a WebSocket operation is admitted by: the view's trusted documents and mode
    (``app.graphql.GuardedGraphQLRouter``)."""

    documents: TrustedDocuments
    document_mode: DocumentMode


CREDENTIAL_LAPSED = 4403
"""graphql-transport-ws close code (Forbidden) for a connection whose sign-in has lapsed.

Not 4401: the protocol keeps 4401 (Unauthorized) for a subscribe before
``connection_ack``, and the graphql-ws client gives up for good on it, whereas it
reconnects after 4403 (calling its ``connectionParams`` again, so with a fresh token).
"""


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
    """graphql-transport-ws with a typed refusal past the operations a connection may run,
    and the caller established afresh for every operation."""

    closing = False
    """Set once the connection is being closed because its sign-in lapsed."""
    _ad_hoc: dict[str, DocumentRequestData] | None = None
    """Operations admitted as ad-hoc text, by id: admitted again as their caller is when
    they run (an enterprise grant revoked since connecting ends ad-hoc text)."""

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
        view = self.view
        if isinstance(view, DocumentRules) and self.connection_acknowledged:
            # The same document rules as over HTTP: an id names a trusted document, and
            # trusted-only refuses ad-hoc text (a socket is no way around it).
            try:
                request = parse_request(dict(message["payload"]), view.documents)
                admit(request, self.context, mode=view.document_mode, method="WS")
            except (DocumentRefused, HTTPException) as refused:
                reason: GraphQLError = (
                    refused.error
                    if isinstance(refused, DocumentRefused)
                    else PublicError(refused.reason, code="BAD_REQUEST")
                )
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [reason.formatted]}
                )
                return
            if request.query is not None:
                message["payload"]["query"] = request.query
            if request.document is None and view.document_mode is DocumentMode.TRUSTED_ONLY:
                if self._ad_hoc is None:
                    self._ad_hoc = {}
                self._ad_hoc[message["id"]] = request
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """Run one operation as its caller is now, not as they were when connecting.

        The caller is established again for each operation (``operation_context``): one
        read, as for an HTTP request. A session revoked or signed out, or an access token
        expired, since connecting is answered as over HTTP (the typed refusals of an
        anonymous caller, ``reason`` REVOKED or EXPIRED); then the connection is closed
        with 4403, ending whatever else runs under the lapsed sign-in, and the client
        reconnects with a fresh token. An outage answers a retryable ``error``
        (``SERVICE_UNAVAILABLE``), never an anonymous answer, and keeps the connection.
        """
        try:
            context = await operation_context(self.context)
        except Exception as error:  # the gate: answered, never left hanging
            await operation.send_operation_message(
                ErrorMessage(id=operation.id, type="error", payload=[_refusal(error)])
            )
            return
        lapsed = credential_lapsed(self.context, context)
        ad_hoc = None if self._ad_hoc is None else self._ad_hoc.pop(operation.id, None)
        view = self.view
        if ad_hoc is not None and isinstance(view, DocumentRules) and not lapsed:
            try:
                admit(ad_hoc, context, mode=view.document_mode, method="WS")
            except DocumentRefused as refused:
                await operation.send_operation_message(
                    ErrorMessage(id=operation.id, type="error", payload=[refused.error.formatted])
                )
                return
        try:
            source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            if lapsed:
                # One answer says why (REVOKED, EXPIRED); nothing streams on a dead sign-in.
                source = _first_result(source)
            async with aclosing(source):
                await self._send_result_stream(operation, source)
            await operation.send_operation_message(
                CompleteMessage(id=operation.id, type="complete")
            )
        except _OperationStreamClosed:  # a syntax error closed the connection (4400)
            return
        except Exception as error:  # an answer could not be sent: logged, as Strawberry does
            await self.handle_task_exception(error)
            if self.operations.get(operation.id) is operation:
                del self.operations[operation.id]
            raise
        if lapsed and not self.closing:
            self.closing = True
            logger.info("graphql.ws.connection_closed reason=%s", context.auth_failure)
            await self.websocket.close(code=CREDENTIAL_LAPSED, reason="Forbidden")


async def _first_result(source: StreamResult) -> StreamResult:
    """``source``'s first result only (the stream is closed after it)."""
    async with aclosing(source):
        async for result in source:
            yield result
            return


def _refusal(error: Exception) -> GraphQLFormattedError:
    """The graphql-transport-ws error for an operation whose caller could not be read:
    retryable during an outage, masked (and logged) if it was a crash."""
    if not isinstance(error, Unavailable):
        return finish_errors([as_graphql_error(error)])[0].formatted
    logger.info("graphql.ws.operation_refused reason=unavailable part=%s", error.part)
    return PublicError(
        SERVICE_UNAVAILABLE_ZH,
        code="SERVICE_UNAVAILABLE",
        extra={"messageEn": SERVICE_UNAVAILABLE_EN, "retryAfterSeconds": error.retry_after},
    ).formatted


async def refuse_websocket(websocket: WebSocket, limit: int) -> WebSocket:
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
