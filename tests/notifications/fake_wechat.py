"""A local stand-in for WeChat's API (``/cgi-bin/token`` and
``/cgi-bin/message/subscribe/send``) at the HTTP layer: it issues access tokens, can
expire the current one, and answers 43101 for users who have not subscribed."""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import parse_qs

from tests.notifications.fake_google import Receive, Scope, Send, _json

APP_ID = "wx-test-app"
SECRET = "wx-test-secret"


class FakeWeChat:
    """The ASGI app; ``sent`` holds accepted messages, ``unsubscribed`` refused openids."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.token_requests = 0
        self.unsubscribed: set[str] = set()
        self.valid_token: str | None = None
        self._ids = itertools.count(1)

    def expire_token(self) -> None:
        """The current access token stops working (as after 2 hours)."""
        self.valid_token = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        if scope["path"] == "/cgi-bin/token":
            if query.get("appid") != APP_ID or query.get("secret") != SECRET:
                await _json(send, 200, {"errcode": 40013, "errmsg": "invalid appid"})
                return
            self.token_requests += 1
            self.valid_token = f"wx-token-{self.token_requests}"
            await _json(send, 200, {"access_token": self.valid_token, "expires_in": 7200})
            return
        if scope["path"] == "/cgi-bin/message/subscribe/send":
            if query.get("access_token") != self.valid_token or self.valid_token is None:
                await _json(send, 200, {"errcode": 42001, "errmsg": "access_token expired"})
                return
            payload = json.loads(body)
            if payload["touser"] in self.unsubscribed:
                await _json(send, 200, {"errcode": 43101, "errmsg": "user refuse to accept"})
                return
            self.sent.append(payload)
            await _json(send, 200, {"errcode": 0, "errmsg": "ok", "msgid": next(self._ids)})
            return
        await _json(send, 404, {"errcode": 404})
