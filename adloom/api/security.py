"""Request guards: who may reach the server, token, body size and rate limits, as one ASGI
middleware in front of the app.

* Host: the ``Host`` header must be a name the server answers to (loopback, the listen
  address, ``[server] allowed_hosts``), else 400. A web page that re-points its own
  domain at 127.0.0.1 (DNS rebinding) sends its own name and is refused.
* Origin: a write (POST, PUT, PATCH, DELETE) whose ``Origin`` is not this server's own
  (or ``Sec-Fetch-Site`` says cross-site) is refused with 403, so a page the user visits
  cannot upload to or start runs on the local server. Clients that send no ``Origin``
  (curl, scripts) are not browsers acting for another site and pass.
* Malformed requests: a NUL byte in the path or query is refused with 400.
* Token: when ``[server] token`` is set, every request must carry it, as
  ``Authorization: Bearer <token>`` or in the ``adloom_token`` cookie (set by
  ``POST /api/session``; the page's ``<img>``/``<video>`` previews cannot send headers).
  The health check is the only exception. Tokens are compared in constant time and are
  never echoed back or logged.
* Body size: a declared ``Content-Length`` over the cap is refused before reading; a
  chunked body is counted as it arrives and cut off at the cap. The cap is
  ``[server] max_body_bytes`` everywhere except the raw footage upload route, whose cap
  follows ``[server] max_footage_bytes``.
* Rate limit: a sliding one-minute window per client address; failed logins (a wrong
  token, a wrong ``POST /api/session``) have their own, smaller window, checked before
  the token is compared, so guessing is refused without being tried.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from adloom.api.settings import ServerSettings, allowed_host_names

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_COOKIE = "adloom_token"
OPEN_PATHS = frozenset({"/api/health"})
FOOTAGE_UPLOAD_PATH = "/api/footage/uploads"
SESSION_PATH = "/api/session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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

    def retry_after(self, key: str, *, count: bool = True) -> float:
        """0 when the request may go ahead (and is counted, unless ``count`` is false), else seconds to wait."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(0.1, 60 - (now - hits[0]))
            if count:
                hits.append(now)
            return 0.0

    def record(self, key: str) -> None:
        """Count one event for ``key`` (a failed login) without asking whether it may go ahead."""
        with self._lock:
            self._hits.setdefault(key, deque()).append(self.clock())


def host_name(authority: str) -> str:
    """The name in a ``Host`` or ``Origin`` authority, without the port (``[::1]:80`` -> ``::1``)."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        return authority[1:].partition("]")[0]
    if authority.count(":") == 1:
        return authority.partition(":")[0]
    return authority


def origin_authority(origin: str) -> str | None:
    """``host[:port]`` of an ``Origin`` header, or None for ``null`` and anything that is not http(s)."""
    scheme, separator, rest = origin.strip().lower().partition("://")
    if not separator or scheme not in ("http", "https") or not rest or "/" in rest:
        return None
    return rest


class GuardMiddleware:
    """Token, body-size and rate-limit checks for every HTTP request."""

    def __init__(self, app: ASGIApp, server: ServerSettings):
        self.app = app
        self.server = server
        self.limiter = RateLimiter(server.rate_limit_per_minute)
        self.failed_logins = RateLimiter(server.failed_logins_per_minute)
        self.hosts = allowed_host_names(server)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        refusal = self.refusal(scope)
        if refusal is not None:
            await _reply(send, *refusal)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        locked = self.failed_logins.retry_after(client, count=False)
        if locked:
            await _reply(send, 429, f"too many failed logins: limit is {self.server.failed_logins_per_minute} "
                                    "a minute ([server] failed_logins_per_minute)",
                         [(b"retry-after", str(int(locked) + 1).encode())])
            return
        wait = self.limiter.retry_after(client)
        if wait:
            await _reply(send, 429, f"too many requests: limit is {self.server.rate_limit_per_minute} a minute",
                         [(b"retry-after", str(int(wait) + 1).encode())])
            return
        token = self.server.token
        if token is not None and path not in OPEN_PATHS and path != SESSION_PATH:
            offered = presented_token(scope) or ""
            if not hmac.compare_digest(offered.encode(), token.get_secret_value().encode()):
                self.failed_logins.record(client)
                await _reply(send, 401, "missing or wrong token: send 'Authorization: Bearer <token>' "
                                        "(the [server] token setting)", [(b"www-authenticate", b"Bearer")])
                return
        if path == SESSION_PATH:
            send = self._counting_failed_sessions(send, client)
        declared = _header(scope, b"content-length")
        cap, setting = self.body_cap(path)
        if declared is not None and declared.isdigit() and int(declared) > cap:
            await _reply(send, 413, f"request body of {declared} bytes is over the {cap}-byte limit "
                                    f"([server] {setting})")
            return
        await self._guarded(scope, receive, send, cap, setting)

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """(status, reason) when the request is malformed, for a foreign Host, or a cross-origin write."""
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            return 400, "the request path or query contains a NUL byte"
        host = _header(scope, b"host")
        if self.hosts is not None and (host is None or host_name(host) not in self.hosts):
            return 400, (f"Host {host!r} is not served here: use http://127.0.0.1 or a name in "
                         "[server] allowed_hosts")
        if scope.get("method", "GET") in SAFE_METHODS:
            return None
        origin = _header(scope, b"origin")
        if origin is not None:
            authority = origin_authority(origin)
            if authority is None or host is None or authority != host.strip().lower():
                return 403, f"cross-origin write refused: Origin {origin!r} is not this server"
        elif (_header(scope, b"sec-fetch-site") or "same-origin") not in ("same-origin", "none"):
            return 403, "cross-origin write refused: the browser says this request comes from another site"
        return None

    def _counting_failed_sessions(self, send: Send, client: str) -> Send:
        """``send`` that counts a 401 answer to ``POST /api/session`` as a failed login."""
        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                self.failed_logins.record(client)
            await send(message)
        return counting_send

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
