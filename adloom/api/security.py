"""Request guards: token, body size and rate limit, as one ASGI middleware in front of the app.

* Token: when ``[server] token`` is set, every request must carry it, as
  ``Authorization: Bearer <token>`` or in the ``adloom_token`` cookie (set by
  ``POST /api/session``; the page's ``<img>``/``<video>`` previews cannot send headers).
  The health check is the only exception. Tokens are compared in constant time and are
  never echoed back or logged.
* Body size: a declared ``Content-Length`` over the cap is refused before reading; a
  chunked body is counted as it arrives and cut off at the cap. The cap is
  ``[server] max_body_bytes`` everywhere except the raw footage upload route, whose cap
  follows ``[server] max_footage_bytes``.
* Rate limit: a sliding one-minute window per client address.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from adloom.api.settings import ServerSettings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_COOKIE = "adloom_token"
OPEN_PATHS = frozenset({"/api/health"})
FOOTAGE_UPLOAD_PATH = "/api/footage/uploads"


class BodyTooLargeError(Exception):
    """A streamed request body went past the cap."""


async def _reply(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or []),
    ]})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def presented_token(scope: Scope) -> str | None:
    """The token a request carries (bearer header first, then the cookie)."""
    authorization = _header(scope, b"authorization") or ""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    for part in (_header(scope, b"cookie") or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == TOKEN_COOKIE:
            return value
    return None


class RateLimiter:
    """At most ``per_minute`` requests per key in any 60-second window."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """0 when the request may go ahead (and is counted), else seconds to wait."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(0.1, 60 - (now - hits[0]))
            hits.append(now)
            return 0.0


class GuardMiddleware:
    """Token, body-size and rate-limit checks for every HTTP request."""

    def __init__(self, app: ASGIApp, server: ServerSettings):
        self.app = app
        self.server = server
        self.limiter = RateLimiter(server.rate_limit_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        token = self.server.token
        if token is not None and path not in OPEN_PATHS and path != "/api/session":
            offered = presented_token(scope) or ""
            if not hmac.compare_digest(offered.encode(), token.get_secret_value().encode()):
                await _reply(send, 401, "missing or wrong token: send 'Authorization: Bearer <token>' "
                                        "(the [server] token setting)", [(b"www-authenticate", b"Bearer")])
                return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.limiter.retry_after(client)
        if wait:
            await _reply(send, 429, f"too many requests: limit is {self.server.rate_limit_per_minute} a minute",
                         [(b"retry-after", str(int(wait) + 1).encode())])
            return
        declared = _header(scope, b"content-length")
        cap, setting = self.body_cap(path)
        if declared is not None and declared.isdigit() and int(declared) > cap:
            await _reply(send, 413, f"request body of {declared} bytes is over the {cap}-byte limit "
                                    f"([server] {setting})")
            return
        await self._guarded(scope, receive, send, cap, setting)

    def body_cap(self, path: str) -> tuple[int, str]:
        """The largest body ``path`` accepts, and the setting that decides it."""
        if path == FOOTAGE_UPLOAD_PATH:
            return self.server.max_footage_body_bytes, "max_footage_bytes"
        return self.server.max_body_bytes, "max_body_bytes"

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, cap: int, setting: str) -> None:
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLargeError()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if not started:
                await _reply(send, 413, f"request body is over the {cap}-byte limit ([server] {setting})")
