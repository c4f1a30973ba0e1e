"""WeChat mini-program subscription messages (订阅消息), a push channel beside FCM.

A mini-program user agrees to a template in the app (``wx.requestSubscribeMessage``);
each agreement lets the platform accept one message of that template for that user. We
send with ``subscribeMessage.send`` to the user's openid (registered as the device
token of a ``wechat_mini_program`` device) and the template id of the notification's
category. Answers:

- ``errcode 0``: accepted (``msgid``);
- ``40001`` / ``42001`` / ``40014`` (access token invalid or expired): a new token is
  fetched (``/cgi-bin/token``) and the message sent once more;
- ``43101`` (the user has not agreed, or used up the agreement): failed for good,
  ``NOT_SUBSCRIBED``;
- ``-1`` / ``45009`` (busy, or over the daily quota) and transport errors: retried later;
- anything else: failed with ``WECHAT_<errcode>``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from notifications.models import Channel, PushMessage, PushOutcome, PushResult

logger = logging.getLogger("notifications.wechat")

TOKEN_EXPIRED = frozenset({40001, 40014, 42001})
NOT_SUBSCRIBED = 43101
BUSY = frozenset({-1, 45009})
CONCURRENCY = 20
CITY = ZoneInfo("Asia/Shanghai")


def _thing(text: str) -> dict[str, str]:
    # ``thing`` values hold at most 20 characters.
    return {"value": text if len(text) <= 20 else text[:19] + "…"}


class WeChatSubscribeChannel:
    """:class:`notifications.ports.PushChannel` for WeChat mini-program users."""

    channel = Channel.WECHAT
    platforms = frozenset({"wechat_mini_program"})

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        template_ids: Mapping[str, str],
        base_url: str = "https://api.weixin.qq.com",
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._app_id = app_id
        self._secret = app_secret
        self._templates = dict(template_ids)
        self._http = http or httpx.AsyncClient(base_url=base_url, timeout=10.0)
        self._token: str | None = None
        self._token_until = 0.0
        self._token_lock = asyncio.Lock()

    async def _access_token(self, *, renew: bool = False, stale: str | None = None) -> str:
        async with self._token_lock:
            if renew and self._token != stale:
                renew = False  # another message renewed it meanwhile
            if not renew and self._token and time.monotonic() < self._token_until:
                return self._token
            answer = await self._http.get(
                "/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": self._app_id,
                    "secret": self._secret,
                },
            )
            body = answer.json()
            if "access_token" not in body:
                raise RuntimeError(f"WECHAT_TOKEN_{body.get('errcode')}")
            self._token = str(body["access_token"])
            # Renew five minutes early: other holders of the app secret may renew too.
            self._token_until = time.monotonic() + int(body.get("expires_in", 7200)) - 300
            return self._token

    def _body(self, message: PushMessage, template_id: str) -> dict[str, Any]:
        when = datetime.now(UTC).astimezone(CITY).strftime("%Y-%m-%d %H:%M")
        return {
            "touser": message.token,
            "template_id": template_id,
            "page": f"pages/open/index?link={message.deep_link}",
            "miniprogram_state": "formal",
            "lang": "zh_CN",
            "data": {
                "thing1": _thing(message.title),
                "thing2": _thing(message.body),
                "time3": {"value": when},
            },
        }

    async def _send_one(self, message: PushMessage) -> PushResult:
        category = message.data.get("category", "")
        template_id = self._templates.get(category)
        if template_id is None:
            return PushResult(message.delivery_id, PushOutcome.FAILED, reason="NO_TEMPLATE")
        body = self._body(message, template_id)
        try:
            token = await self._access_token()
            for attempt in range(2):
                answer = await self._http.post(
                    "/cgi-bin/message/subscribe/send", params={"access_token": token}, json=body
                )
                code = int(answer.json().get("errcode", 0))
                if code in TOKEN_EXPIRED and attempt == 0:
                    token = await self._access_token(renew=True, stale=token)
                    continue
                break
        except (httpx.HTTPError, ValueError, RuntimeError) as error:
            return PushResult(message.delivery_id, PushOutcome.RETRY, reason=type(error).__name__)
        if code == 0:
            msgid = answer.json().get("msgid")
            return PushResult(message.delivery_id, PushOutcome.ACCEPTED, provider_id=str(msgid))
        if code == NOT_SUBSCRIBED:
            return PushResult(message.delivery_id, PushOutcome.FAILED, reason="NOT_SUBSCRIBED")
        if code in BUSY:
            return PushResult(message.delivery_id, PushOutcome.RETRY, reason=f"WECHAT_{code}")
        return PushResult(message.delivery_id, PushOutcome.FAILED, reason=f"WECHAT_{code}")

    async def send(self, messages: Sequence[PushMessage]) -> list[PushResult]:
        """Send each message (at most 20 requests in flight)."""
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(message: PushMessage) -> PushResult:
            async with gate:
                return await self._send_one(message)

        return list(await asyncio.gather(*(one(m) for m in messages)))
