"""Where a push message's CPU goes: in-process experiments against the fake FCM.

    .venv/bin/python -m bench.notifications_http                 # 2,000 messages per row
    .venv/bin/python -m bench.notifications_http --messages 4000

The fake (``bench.notifications_fake``) runs in its own process, so each row's figure is
this process's CPU alone (``time.process_time``), per message: bare httpx (the floor
under firebase-admin), firebase-admin's ``send_each_async`` through the product's
:class:`~notifications.adapters.fcm.FcmChannel` at several chunk sizes and numbers of
calls at once, and the product's own share (building the messages). No database: the
rows isolate the HTTP stack.

    .venv/bin/python -m bench.notifications_http --http2

adds the rows over TLS, the way firebase-admin reaches Google: the same fake served by
Hypercorn with a self-signed certificate (this process trusts it through
``SSL_CERT_FILE``) offering h2 and http/1.1 by ALPN, so firebase-admin's client (httpx
with ``http2=True``) speaks HTTP/2 to one fake and HTTP/1.1 (ALPN limited to it) to
the other: side by side, what HTTP/2 changes in the client's CPU per message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

import firebase_admin
import httpx
from firebase_admin import credentials, messaging

from bench.notifications_fake import PROJECT, wait_until_listening
from bench.notifications_fanout import spawn, write_service_account
from devstack.servers import free_port
from notifications.adapters.fcm import FcmChannel, fcm_message
from notifications.models import PushMessage


def message(n: int) -> PushMessage:
    """One announcement's push message to device ``n``."""
    return PushMessage(
        delivery_id=f"del_{n:08d}",
        token=f"bench-token-{n:08d}",
        platform="android",
        title="停水通知",
        body="明日停水",
        deep_link="zhuzhou://notifications/n1",
        notification_id="n1",
        kind="system.announcement",
        collapse_key="n1",
        urgent=False,
        data={"category": "announcement"},
    )


async def measure(label: str, count: int, run: Awaitable[None]) -> dict[str, object]:
    """Await ``run`` (which sends ``count`` messages) and report CPU and wall per message."""
    cpu, wall = time.process_time(), time.perf_counter()
    await run
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    row = {
        "row": label,
        "cpu_ms_per_message": round(cpu * 1000 / count, 3),
        "messages_per_cpu_second": round(count / cpu) if cpu else None,
        "messages_per_second": round(count / wall),
    }
    print(
        f"{label:<58} {row['cpu_ms_per_message']:>7} ms CPU/msg "
        f"{row['messages_per_cpu_second']:>6} msg/CPU-s {row['messages_per_second']:>6} msg/s",
        flush=True,
    )
    return row


async def bare_httpx(url: str, count: int, in_flight: int, limits: httpx.Limits) -> None:
    """``count`` POSTs of a message-sized JSON body, ``in_flight`` at once."""
    body = {"message": {"token": "t", "data": {"kind": "system.announcement"}}}
    async with httpx.AsyncClient(limits=limits) as client:
        for start in range(0, count, in_flight):
            await asyncio.gather(
                *(client.post(url, json=body) for _ in range(min(in_flight, count - start)))
            )


async def through_channel(
    channel: FcmChannel, messages: list[PushMessage], chunk: int, calls: int
) -> None:
    """``messages`` through ``FcmChannel.send`` in chunks of ``chunk``, ``calls`` at once."""
    pieces = [messages[i : i + chunk] for i in range(0, len(messages), chunk)]
    for start in range(0, len(pieces), calls):
        answers = await asyncio.gather(*(channel.send(p) for p in pieces[start : start + calls]))
        failed = [r for answer in answers for r in answer if not r.provider_id]
        if failed:
            raise RuntimeError(f"{len(failed)} not accepted, e.g. {failed[0]}")


async def building(messages: list[PushMessage], app: firebase_admin.App) -> None:
    """The product's share before HTTP: FCM messages built and encoded."""
    service = messaging._get_messaging_service(app)
    for m in messages:
        service._message_data(fcm_message(m), False)


async def empty_tasks(count: int, in_flight: int) -> None:
    """asyncio alone: one task per message, ``in_flight`` gathered at once."""

    async def nothing() -> None:
        await asyncio.sleep(0)

    for _ in range(0, count, in_flight):
        await asyncio.gather(*(nothing() for _ in range(in_flight)))


def write_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "fake.crt", folder / "fake.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def spawn_tls_fake(port: int, cert: Path, key: Path, alpn: str) -> subprocess.Popen[bytes]:
    """The fake FCM behind Hypercorn over TLS, offering ``alpn`` (e.g. ``h2,http/1.1``)."""
    code = (
        "import asyncio, sys\n"
        "from hypercorn.asyncio import serve\n"
        "from hypercorn.config import Config\n"
        "from bench.notifications_fake import fake_app\n"
        "config = Config()\n"
        "config.bind = [f'127.0.0.1:{sys.argv[1]}']\n"
        "config.certfile, config.keyfile = sys.argv[2], sys.argv[3]\n"
        "config.alpn_protocols = sys.argv[4].split(',')\n"
        "config.loglevel = 'WARNING'\n"
        "config.accesslog = None\n"
        "config.keep_alive_timeout = 600\n"
        "asyncio.run(serve(fake_app, config))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(port), str(cert), str(key), alpn],
        cwd=Path(__file__).resolve().parents[1],
    )


async def tls_rows(count: int, folder: Path) -> list[dict[str, object]]:
    """firebase-admin's send over HTTP/2 and over HTTP/1.1, both over TLS, side by side."""
    cert, key = write_certificate(folder)
    os.environ["SSL_CERT_FILE"] = str(cert)  # httpx (trust_env) reads it per client
    os.environ["REQUESTS_CA_BUNDLE"] = str(cert)  # google-auth fetches the token with requests
    rows = []
    fakes = []
    try:
        for alpn, label in (("h2,http/1.1", "HTTP/2"), ("http/1.1", "HTTP/1.1")):
            port = free_port()
            fakes.append(spawn_tls_fake(port, cert, key, alpn))
            await asyncio.to_thread(wait_until_listening, port)
            base = f"https://127.0.0.1:{port}"
            account = write_service_account(folder, f"{base}/token")
            app = firebase_admin.initialize_app(
                credentials.Certificate(str(account)), name=f"bench-tls-{label}"
            )
            channel = FcmChannel(app, endpoint=base)
            messages = [message(n) for n in range(count)]
            await through_channel(channel, messages[:200], 20, 1)  # warm-up, token fetched
            client = messaging._get_messaging_service(app)._async_client
            # What the client and the fake agreed on (ALPN), asked through the same client.
            spoken = (await client._async_client.post(f"{base}/stats", json={})).http_version
            for chunk in (1, 10, 20, 50):
                label_row = f"TLS, {label} offered ({spoken}): send_each_async, {chunk}/call"
                try:
                    rows.append(
                        await measure(
                            label_row, count, through_channel(channel, messages, chunk, 1)
                        )
                    )
                except RuntimeError as error:  # the fake's server gave up on the connection
                    print(f"{label_row:<58} failed: {error}", flush=True)
                    rows.append({"row": label_row, "failed": str(error)})
            await client.aclose()
    finally:
        for fake in fakes:
            fake.terminate()
            fake.wait(10)
    return rows


async def main_async(count: int, http2: bool = False) -> list[dict[str, object]]:
    """Each row, after a warm-up, against one fake."""
    port = free_port()
    fake = spawn(["bench.notifications_fake", str(port)], dict(os.environ), None)
    rows = []
    try:
        await asyncio.to_thread(wait_until_listening, port)
        base = f"http://127.0.0.1:{port}"
        url = f"{base}/v1/projects/{PROJECT}/messages:send"
        with tempfile.TemporaryDirectory() as folder:
            account = write_service_account(Path(folder), f"{base}/token")
            app = firebase_admin.initialize_app(
                credentials.Certificate(str(account)), name="bench-http"
            )
            channel = FcmChannel(app, endpoint=base)
            messages = [message(n) for n in range(count)]
            await through_channel(channel, messages[:200], 20, 1)  # warm-up, token fetched
            default = httpx.Limits()  # httpx's: 100 connections, 20 kept alive
            rows.append(
                await measure("bare httpx, 1 at a time", count, bare_httpx(url, count, 1, default))
            )
            for n in (20, 50, 100):
                rows.append(
                    await measure(
                        f"bare httpx, {n} in flight (keep-alive 20)",
                        count,
                        bare_httpx(url, count, n, default),
                    )
                )
            wide = httpx.Limits(max_connections=100, max_keepalive_connections=100)
            rows.append(
                await measure(
                    "bare httpx, 50 in flight (keep-alive 100)",
                    count,
                    bare_httpx(url, count, 50, wide),
                )
            )
            for chunk, calls in ((1, 1), (10, 1), (20, 1), (50, 1), (100, 1), (10, 2), (20, 2)):
                rows.append(
                    await measure(
                        f"send_each_async, {chunk} per call, {calls} call(s) at once",
                        count,
                        through_channel(channel, messages, chunk, calls),
                    )
                )
            rows.append(
                await measure("building FCM messages (no HTTP)", count, building(messages, app))
            )
            rows.append(
                await measure("asyncio: empty tasks, 50 at once", count, empty_tasks(count, 50))
            )
            await messaging._get_messaging_service(app)._async_client.aclose()
            if http2:
                rows += await tls_rows(count, Path(folder))
    finally:
        fake.terminate()
        fake.wait(10)
    return rows


def main() -> int:
    """Print one line per row, then JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument(
        "--http2", action="store_true", help="add firebase-admin over TLS, HTTP/2 and HTTP/1.1"
    )
    args = parser.parse_args()
    rows = asyncio.run(main_async(args.messages, args.http2))
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
