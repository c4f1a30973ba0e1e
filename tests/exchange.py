"""Helpers for tests against the demo exchange process (``exchange_process`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from app.settings import Settings
from demo.exchange.server import ADMIN_KEY_HEADER
from infra.exchange_signing import ExchangeSigner, read_client_key
from tests.conftest import ExchangeProcess


def over_http(settings: Settings, exchange: ExchangeProcess, **changes: Any) -> Settings:
    """``settings`` with the registers and data sets read from the exchange process."""
    return Settings(
        _env_file=None,
        **(
            settings.model_dump()
            | {
                "exchange_provider": "http",
                "exchange_url": exchange.url,
                "exchange_client_id": exchange.client_id,
                "exchange_client_key_file": exchange.key_file,
            }
            | changes
        ),
    )


def signer_of(exchange: ExchangeProcess) -> ExchangeSigner:
    """A signer holding the API's client credential at the exchange."""
    return ExchangeSigner(exchange.client_id, read_client_key(exchange.key_file))


@contextmanager
def fault(exchange: ExchangeProcess, path: str, **how: Any) -> Iterator[None]:
    """Make ``path`` misbehave (``delay_seconds``, ``status``, ``body``, ``size_bytes``)."""
    headers = {ADMIN_KEY_HEADER: exchange.admin_key}
    answer = httpx.put(
        f"{exchange.url}/admin/v1/faults", json={"path": path, **how}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    try:
        yield
    finally:
        httpx.delete(f"{exchange.url}/admin/v1/faults", headers=headers)
