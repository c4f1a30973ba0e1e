"""DEMO: the city's data-sharing exchange as its own HTTP service, over its own database.

The API reaches the registers and the departments' data sets only through this service
(``SZ_EXCHANGE_PROVIDER=http``), as it would reach the province's exchange. Every
request must be signed by a known client (:mod:`infra.exchange_signing`): an unsigned,
altered, stale or replayed request is refused with 401 and nothing read. Every request,
answered or refused, lands in the exchange's own access log (:mod:`demo.exchange.access`).

Test-only: with an admin key configured, ``/admin/v1/faults`` makes one path answer
slowly, with a given status or body, or too large, so the API's failure paths can be
exercised against the real process. Without the key the admin routes do not exist.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from demo.exchange.access import AccessRecords
from demo.exchange.enterprise_records import ENTERPRISE_RECORD_KINDS
from demo.exchange.models import LegalEntityRecord, ResidentRecord
from demo.exchange.records import RECORD_KINDS
from demo.exchange.stores import DemoExchange
from infra.exchange_signing import SignatureRefused, verify

ADMIN_KEY_HEADER = "X-Exchange-Admin-Key"
MAX_BATCH = 100
MAX_BODY_BYTES = 64 * 1024


@dataclass
class Fault:
    """How one path misbehaves (test-only): a delay, then a status and body of its own."""

    delay_seconds: float = 0.0
    status: int | None = None
    body: str | None = None
    size_bytes: int | None = None


@dataclass
class ExchangeState:
    """What the running exchange holds: its stores, its clients' keys and any faults."""

    stores: DemoExchange
    access: AccessRecords
    client_keys: Mapping[str, bytes]
    admin_key: bytes | None
    faults: dict[str, Fault] = field(default_factory=dict)


class _Refusal(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _resident_json(record: ResidentRecord) -> dict[str, Any]:
    return {
        "id_number": record.id_number,
        "name": record.name,
        "gender": record.gender.value,
        "birth_date": record.birth_date.isoformat(),
        "household_address": {"zh": record.household_address.zh, "en": record.household_address.en},
        "phone": record.phone,
    }


def _entity_json(record: LegalEntityRecord) -> dict[str, Any]:
    capital = record.registered_capital
    return {
        "uscc": record.uscc,
        "name": {"zh": record.name.zh, "en": record.name.en},
        "entity_type": record.entity_type.value,
        "status": record.status.value,
        "established_on": record.established_on.isoformat(),
        "address": {"zh": record.address.zh, "en": record.address.en},
        "registered_capital": None if capital is None else str(capital),
        "legal_representative": {
            "id_number": record.legal_representative_id_number,
            "name": record.legal_representative_name,
        },
    }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _target(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    return raw.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")


def create_exchange_app(state: ExchangeState) -> FastAPI:
    """The exchange's HTTP API over ``state`` (its indexes are made at start-up)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        await state.stores.ensure_indexes()
        await state.access.start()
        yield

    app = FastAPI(
        title="Demo data-sharing exchange",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.exception_handler(_Refusal)
    async def refused(request: Request, error: _Refusal) -> Response:
        return error.response

    async def signed(request: Request, route: str, kind: str | None, subject: str | None) -> str:
        """The verified client id; refuses (and logs) anything else. Applies test faults."""
        body = await request.body()
        now = time.time()
        client_id = request.headers.get("X-Exchange-Client")
        try:
            verified = verify(
                state.client_keys, request.method, _target(request), request.headers, body, now=now
            )
            if not await state.access.first_use(
                verified.client_id, verified.nonce, datetime.fromtimestamp(now, UTC)
            ):
                raise SignatureRefused("replayed_nonce")
        except SignatureRefused as refusal:
            reason = str(refusal)
            await state.access.record(
                client_id=client_id if client_id in state.client_keys else None,
                route=route,
                subject_kind=kind,
                subject=subject,
                status=401,
                refusal=reason,
            )
            raise _Refusal(JSONResponse({"error": "unauthorized", "reason": reason}, 401)) from None
        fault = state.faults.get(request.url.path)
        if fault is not None:
            await asyncio.sleep(fault.delay_seconds)
            if fault.size_bytes is not None:
                raise _Refusal(
                    Response(b" " * fault.size_bytes, 200, media_type="application/json")
                )
            if fault.status is not None or fault.body is not None:
                raise _Refusal(
                    Response(
                        (fault.body or "").encode(),
                        fault.status or 200,
                        media_type="application/json",
                    )
                )
        return verified.client_id

    async def answered(client_id: str, route: str, kind: str, subject: str, value: Any) -> Response:
        status = 404 if value is None else 200
        await state.access.record(
            client_id=client_id,
            route=route,
            subject_kind=kind,
            subject=subject,
            status=status,
            refusal=None,
        )
        if value is None:
            return JSONResponse({"error": "not_found"}, 404)
        return JSONResponse(value)

    @app.get("/v1/residents/{id_number}")
    async def resident(id_number: str, request: Request) -> Response:
        route = "population.resident"
        client = await signed(request, route, "resident", id_number)
        found = await state.stores.registers.resident_by_id_number(id_number)
        return await answered(
            client, route, "resident", id_number, None if found is None else _resident_json(found)
        )

    @app.get("/v1/residents/{id_number}/records/{kind}")
    async def resident_record(id_number: str, kind: str, request: Request) -> Response:
        route = f"records.{kind}"
        client = await signed(request, route, "resident", id_number)
        found = None
        if kind in RECORD_KINDS:
            found = await state.stores.department_records.get(kind, id_number)
        return await answered(
            client, route, "resident", id_number, None if found is None else found.payload
        )

    @app.put("/v1/residents/{id_number}/records/{kind}")
    async def correct_record(id_number: str, kind: str, request: Request) -> Response:
        """DEMO: a department's correction of its data set (after a citizen's dispute)."""
        route = f"records.{kind}.correct"
        client = await signed(request, route, "resident", id_number)
        body = await request.body()
        if kind not in RECORD_KINDS or len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "refused"}, 400)
        if await state.stores.department_records.get(kind, id_number) is None:
            return await answered(client, route, "resident", id_number, None)
        await state.stores.department_records.replace_payload(kind, id_number, json.loads(body))
        await state.access.record(
            client_id=client,
            route=route,
            subject_kind="resident",
            subject=id_number,
            status=204,
            refusal=None,
        )
        return Response(status_code=204)

    @app.get("/v1/legal-entities/{uscc}")
    async def entity(uscc: str, request: Request) -> Response:
        route = "legal_entities.entity"
        client = await signed(request, route, "enterprise", uscc)
        found = await state.stores.registers.entity_by_uscc(uscc)
        return await answered(
            client, route, "enterprise", uscc, None if found is None else _entity_json(found)
        )

    @app.get("/v1/legal-entities")
    async def entities(request: Request) -> Response:
        route = "legal_entities.batch"
        usccs = list(dict.fromkeys(request.query_params.getlist("uscc")))
        client = await signed(request, route, "enterprise", ",".join(sorted(usccs)))
        if len(usccs) > MAX_BATCH:
            return JSONResponse({"error": "too_many", "max": MAX_BATCH}, 400)
        found = await state.stores.registers.entities_by_uscc(usccs)
        return await answered(
            client,
            route,
            "enterprise",
            ",".join(sorted(usccs)),
            {"entities": [_entity_json(e) for e in found]},
        )

    @app.get("/v1/enterprises/{uscc}/records/{kind}")
    async def enterprise_record(uscc: str, kind: str, request: Request) -> Response:
        route = f"enterprise_records.{kind}"
        client = await signed(request, route, "enterprise", uscc)
        found = None
        if kind in ENTERPRISE_RECORD_KINDS:
            found = await state.stores.enterprise_records.get(kind, uscc)
        value = None if found is None else {"payload": found.payload, "as_of": _iso(found.as_of)}
        return await answered(client, route, "enterprise", uscc, value)

    @app.get("/v1/enterprises/{uscc}/contribution-totals")
    async def contribution_totals(uscc: str, request: Request, months: int = 12) -> Response:
        route = "enterprise_records.contribution_totals"
        client = await signed(request, route, "enterprise", uscc)
        totals = await state.stores.enterprise_records.contribution_totals(uscc, months=months)
        value = None
        if totals is not None:
            value = {
                "as_of": _iso(totals.as_of),
                "months": [
                    {
                        "month": m.month,
                        "headcount": m.headcount,
                        "employer_total": str(m.employer_total),
                        "personal_total": str(m.personal_total),
                    }
                    for m in totals.months
                ],
            }
        return await answered(client, route, "enterprise", uscc, value)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    if state.admin_key is not None:
        _admin_routes(app, state)
    return app


def _admin_routes(app: FastAPI, state: ExchangeState) -> None:
    """Test-only fault injection, behind the exchange's own admin key."""
    admin_key = state.admin_key
    assert admin_key is not None

    def admitted(request: Request) -> bool:
        given = request.headers.get(ADMIN_KEY_HEADER, "").encode()
        return hmac.compare_digest(given, admin_key)

    @app.put("/admin/v1/faults")
    async def put_fault(request: Request) -> Response:
        if not admitted(request):
            return JSONResponse({"error": "unauthorized"}, 401)
        doc = await request.json()
        state.faults[str(doc["path"])] = Fault(
            delay_seconds=float(doc.get("delay_seconds", 0)),
            status=doc.get("status"),
            body=doc.get("body"),
            size_bytes=doc.get("size_bytes"),
        )
        return JSONResponse({"faults": len(state.faults)})

    @app.delete("/admin/v1/faults")
    async def clear_faults(request: Request) -> Response:
        if not admitted(request):
            return JSONResponse({"error": "unauthorized"}, 401)
        state.faults.clear()
        return JSONResponse({"faults": 0})
