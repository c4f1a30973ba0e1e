"""Which browser origins may call the API: CORS over HTTP, the same list for WebSockets.

``SZ_CORS_ORIGINS`` holds origins (``https://app.example.cn``) or patterns:
``http://localhost:*`` (any port, or none) and ``https://*.example.cn`` (any
subdomain). Browsers enforce CORS for HTTP themselves, but not for WebSockets: a page
on any site may open one to us, so the GraphQL router refuses a WebSocket upgrade
whose ``Origin`` is neither our own host nor allowed by the same :class:`OriginPolicy`
(``app/graphql.py``). Clients that are not browsers (native apps, mini-program
runtimes, servers) send no ``Origin`` and are not affected.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

logger = logging.getLogger("app.cors")

DEVELOPMENT_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*")

# Headers a browser client may send: GraphQL over HTTP needs content-type, our own
# sign-in and acting-for headers the other two.
ALLOWED_HEADERS = ("authorization", "content-type", "accept", "x-acting-for")
PREFLIGHT_MAX_AGE_SECONDS = 600

_PATTERN = re.compile(
    r"(?P<scheme>https?)://"
    r"(?P<wildcard>\*\.)?"
    r"(?P<host>[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])"
    r"(?::(?P<port>\*|[0-9]{1,5}))?"
)


def check_origin_pattern(value: str) -> str:
    """``value`` lower-cased when it is a valid origin or pattern; ``ValueError`` if not."""
    pattern = value.strip().lower()
    if _PATTERN.fullmatch(pattern) is None:
        raise ValueError(
            f"{value!r} is not an origin: write scheme://host[:port] with no path, e.g. "
            "https://app.example.cn, http://localhost:* (any port) or "
            "https://*.example.cn (any subdomain)"
        )
    return pattern


def origin_regex(patterns: Sequence[str]) -> str | None:
    """One regular expression matching exactly the origins ``patterns`` allow."""
    alternatives = []
    for pattern in patterns:
        match = _PATTERN.fullmatch(check_origin_pattern(pattern))
        assert match is not None  # checked just above
        regex = re.escape(match["scheme"]) + "://"
        if match["wildcard"]:
            regex += r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
        regex += re.escape(match["host"])
        port = match["port"]
        if port == "*":
            regex += r"(?::[0-9]{1,5})?"
        elif port is not None:
            regex += ":" + port
        alternatives.append(regex)
    # Scheme and host are case-insensitive; browsers send them in lower case anyway.
    return "(?i)(?:" + "|".join(alternatives) + ")" if alternatives else None


class OriginPolicy:
    """Decides whether a browser origin may talk to us."""

    def __init__(self, patterns: Sequence[str]) -> None:
        """Allow the origins ``patterns`` describe (see :func:`check_origin_pattern`)."""
        self.regex = origin_regex(patterns)
        self._compiled = None if self.regex is None else re.compile(self.regex)

    def allows(self, origin: str) -> bool:
        """True when ``origin`` matches one of the patterns."""
        return self._compiled is not None and self._compiled.fullmatch(origin) is not None

    def allows_websocket(self, origin: str) -> bool:
        """:meth:`allows` for a cross-origin WebSocket, saying how to allow a refused one."""
        if self.allows(origin):
            return True
        logger.warning(
            "app.cors.websocket_refused origin=%r (list it in SZ_CORS_ORIGINS to allow it)",
            origin[:100],
        )
        return False


def add_cors(app: FastAPI, patterns: Sequence[str]) -> None:
    """Answer CORS preflights and mark responses for the origins ``patterns`` allow.

    Call after every other middleware is added: being outermost, refusals from inner
    layers (413, 400) still carry CORS headers, so a browser client can read them.
    Nothing is added when no origin is allowed (production's default).
    """
    policy = OriginPolicy(patterns)
    if policy.regex is not None:
        # Bearer tokens, no cookies: credentials stay off.
        app.add_middleware(
            CORSMiddleware,
            allow_origin_regex=policy.regex,
            allow_methods=["GET", "POST"],
            allow_headers=list(ALLOWED_HEADERS),
            max_age=PREFLIGHT_MAX_AGE_SECONDS,
        )
