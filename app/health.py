"""Liveness and readiness endpoints for load balancers and orchestrators."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.resources import Resources
from kit.registry import ServiceRegistry

router = APIRouter(tags=["health"])


class _Outcome(Protocol):
    def as_json(self) -> dict[str, str]: ...


class ProviderOutcomes:
    """The last call outcome of every wired provider that keeps one (``outcomes()``).

    Read from memory, never by calling the provider: ``/readyz`` must not send an
    SMS. Per process; a provider not called since start shows ``no call yet``.
    """

    def __init__(self, providers: Iterable[object]) -> None:
        self._providers = [p for p in providers if callable(getattr(p, "outcomes", None))]

    def report(self) -> dict[str, dict[str, str]]:
        """Each provider's name and its last outcome."""
        found: dict[str, dict[str, str]] = {}
        for provider in self._providers:
            outcomes: Mapping[str, _Outcome | None] = provider.outcomes()  # type: ignore[attr-defined]
            for name, outcome in outcomes.items():
                found[name] = outcome.as_json() if outcome else {"outcome": "no call yet"}
        return found


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive and serving HTTP."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Every server we depend on answers; otherwise 503 naming the failing parts."""
    resources: Resources = request.app.state.resources
    checks = await resources.check()
    failing = sorted(part for part, reason in checks.items() if reason is not None)
    body: dict[str, object] = {
        "status": "unavailable" if failing else "ready",
        "failing": failing,
        "checks": {part: reason or "ok" for part, reason in checks.items()},
    }
    # Informational: a vendor's failure does not take this instance out of service.
    services: ServiceRegistry | None = getattr(request.app.state, "services", None)
    outcomes = services.find(ProviderOutcomes) if services else None
    if outcomes and (report := outcomes.report()):
        body["providers"] = report
    return JSONResponse(body, status_code=503 if failing else 200)
