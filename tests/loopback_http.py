"""A loopback HTTP server for crawler tests and benchmarks: real files plus misbehaving routes.

Routes besides the files under ``root``:

- ``/robots.txt``: ``Disallow`` lines for every path in ``disallow``;
- ``/redirect?to=URL``: a 302 to ``URL``;
- ``/slow?s=SECONDS``: answers after sleeping;
- ``/huge?mb=N``: a response of N MiB (Content-Length announced, body streamed);
- ``/huge-chunked?mb=N``: the same without Content-Length;
- ``/generated/N.xml``: a small generated RSS feed (N picks its titles).
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

MIB = 1024 * 1024


def generated_feed(number: int, items: int = 10) -> bytes:
    entries = "".join(
        f"<item><title>Story {number}-{i}: topic {(number * items + i) % 37} news</title>"
        f"<link>http://example.org/{number}/{i}</link>"
        f"<pubDate>Sun, 22 Nov 2026 0{i % 10}:00:00 GMT</pubDate></item>"
        for i in range(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {number}</title>{entries}</channel></rss>'.encode()


class _Handler(http.server.SimpleHTTPRequestHandler):
    disallow: tuple[str, ...] = ()
    hits: list[str]
    user_agents: list[str]

    def log_message(self, *args) -> None:
        """Quiet: tests read ``hits`` instead."""

    def _send(self, status: int, body: bytes, content_type: str = "text/plain", headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.user_agents.append(self.headers.get("User-Agent", ""))
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if parts.path == "/robots.txt":
            lines = ["User-agent: *", *[f"Disallow: {path}" for path in self.disallow]]
            return self._send(200, ("\n".join(lines) + "\n").encode())
        if parts.path == "/redirect":
            return self._send(302, b"", headers={"Location": query["to"]})
        if parts.path == "/slow":
            time.sleep(float(query.get("s", "3")))
            return self._send(200, b"<rss version='2.0'><channel></channel></rss>", "application/rss+xml")
        if parts.path in ("/huge", "/huge-chunked"):
            size = int(query.get("mb", "50")) * MIB
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            if parts.path == "/huge":
                self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b"<!-- padding -->" * (MIB // 16)
            try:
                for _ in range(size // MIB):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler hung up at its size cap, as it should
            return None
        if parts.path.startswith("/generated/") and parts.path.endswith(".xml"):
            number = int(Path(parts.path).stem)
            return self._send(200, generated_feed(number), "application/rss+xml")
        return super().do_GET()


class LoopbackSite:
    """A threaded HTTP server on 127.0.0.1 with a free port; use as a context manager."""

    def __init__(self, root: Path, disallow: tuple[str, ...] = ()):
        handler = type("Handler", (_Handler,), {"disallow": disallow, "hits": [], "user_agents": []})
        self.hits: list[str] = handler.hits
        self.user_agents: list[str] = handler.user_agents
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
        )
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def __enter__(self) -> "LoopbackSite":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
