"""``python -m bench.notifications_fake PORT``: Google's OAuth token endpoint and FCM's v1
send endpoint, answering every send at once (for ``bench.notifications_fanout``).

Light on purpose (no product import), so that it starts fast and leaves the CPU to the
workers it serves.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from typing import Any

PROJECT = "smart-zhuzhou-bench"
SENT = [0]


async def fake_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """``POST /token``, ``GET /stats`` and ``POST /v1/projects/<p>/messages:send``."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    if scope["path"] == "/token":
        body: dict[str, Any] = {"access_token": "ya29.bench", "expires_in": 3600}
    elif scope["path"] == "/stats":
        body = {"sent": SENT[0]}
    else:
        SENT[0] += 1
        body = {"name": f"projects/{PROJECT}/messages/{SENT[0]}"}
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def wait_until_listening(port: int, seconds: float = 30) -> None:
    """Block until something accepts connections on ``port``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(
        fake_app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", lifespan="off"
    )
