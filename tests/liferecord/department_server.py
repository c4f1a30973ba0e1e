"""A scripted stand-in for a department's HTTP endpoint, served by a real uvicorn.

Each test queues the answers the endpoint gives, in order (the last one repeats),
and reads back every request it received.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devstack.servers import free_port


@dataclass(frozen=True, slots=True)
class Answer:
    """One planned answer: status, body and headers, or no answer at all (``hang``)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


@dataclass(frozen=True, slots=True)
class Received:
    """One request the endpoint received."""

    method: str
    path: str
    headers: dict[str, str]


class DepartmentEndpoint:
    """The endpoint's script and what it received."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.received: list[Received] = []
        self._answers: list[Answer] = [Answer(404)]
        self._released = asyncio.Event()

    def answer(self, *answers: Answer) -> None:
        """Answer the next requests with ``answers`` in order, then the last one again."""
        self._answers = list(answers)

    @property
    def methods(self) -> set[str]:
        """The HTTP methods received so far."""
        return {request.method for request in self.received}

    async def handle(self, request: Request) -> Response:
        """Record the request and give the next planned answer."""
        self.received.append(
            Received(request.method, request.url.path, dict(request.headers.items()))
        )
        answer = self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]
        if answer.hang:
            await self._released.wait()
        return Response(
            answer.body, answer.status, headers=answer.headers, media_type="application/json"
        )

    def release(self) -> None:
        """Let hanging requests finish (at shutdown)."""
        self._released.set()

    @property
    def released(self) -> bool:
        """Whether hanging requests have been let finish (only at shutdown)."""
        return self._released.is_set()


@contextlib.asynccontextmanager
async def department_endpoint() -> AsyncIterator[DepartmentEndpoint]:
    """Serve a scripted department endpoint on a free local port for the block's duration."""
    port = free_port()
    endpoint = DepartmentEndpoint(f"http://127.0.0.1:{port}")
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    app = Starlette(routes=[Route("/{path:path}", endpoint.handle, methods=methods)])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield endpoint
    finally:
        endpoint.release()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
