"""Fetching one page a marketer points at (and the images it shows), under the crawler's address rules.

The trend crawler fetches many sources in a Scrapy child process; a brief made from a
product page needs one page and a few images, now, in the caller's process. The rules
are the crawler's (:mod:`adloom.tools.scrape.network_safety`): http and https only; every
address the host resolves to must be public unless the page's own ``host:port`` was
allowed (``--allow-private``); every redirect hop is checked again and may reach a
non-public address only at that same allowed ``host:port``; the connection goes to an
address that was checked, never to a fresh DNS answer. Responses are capped in size and
time. robots.txt is not consulted: this is one page the user asked for, as a browser
would fetch it, not a crawl.

A local file stands for a page too (a page saved from the browser, or a test page); its
relative images are read from beside it, never from outside its folder.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from adloom.tools.scrape.network_safety import UnsafeAddressError, checked_addresses, host_and_port

PAGE_USER_AGENT = "adloom-brief-from-page/0.1 (+https://github.com/adloom/adloom; one page a user asked for)"
MAX_PAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
PRIVATE_HINT = "pass --allow-private for a page on your own machine or network"


class PageFetchError(ValueError):
    """The page (or an image) could not be fetched; the message says why and what to do."""


@dataclass(frozen=True)
class FetchedPage:
    """A fetched response: the final URL after redirects (a ``file://`` URI for a file) and its body."""

    url: str
    body: bytes
    content_type: str = ""


@dataclass(frozen=True)
class FetchRules:
    """Limits for one fetch.

    Attributes:
        allowed_private: ``(host, port)`` pairs that may be non-public (the page's own, when allowed).
        local_root: for a page read from a file, the folder its relative files may come from.
    """

    allowed_private: tuple[tuple[str, int], ...] = ()
    local_root: Path | None = None
    max_bytes: int = MAX_PAGE_BYTES
    timeout_s: float = 15.0


def is_url(target: str) -> bool:
    return urlsplit(target).scheme in ("http", "https")


def rules_for_page(target: str, *, allow_private: bool, timeout_s: float = 15.0) -> FetchRules:
    """The rules for fetching ``target`` (a URL or a file) and, later, the files it names."""
    if is_url(target):
        try:
            own = host_and_port(target)
        except UnsafeAddressError as exc:
            raise PageFetchError(str(exc)) from None
        return FetchRules(allowed_private=(own,) if allow_private else (), timeout_s=timeout_s)
    return FetchRules(local_root=Path(target).expanduser().resolve().parent, timeout_s=timeout_s)


def fetch(target: str, rules: FetchRules) -> FetchedPage:
    """Fetch an http(s) URL, or read a local file (a path or a ``file://`` URI under ``rules.local_root``;
    never when ``local_root`` is None, as for a page from the web).

    Raises:
        PageFetchError: refused address, HTTP error status, too many redirects, too large,
            timed out, unreachable, or a file that is missing or outside the page's folder.
    """
    if is_url(target):
        return _fetch_http(target, rules)
    return _read_file(target, rules)


def _read_file(target: str, rules: FetchRules) -> FetchedPage:
    parts = urlsplit(target)
    if parts.scheme == "file":
        path = Path(unquote(parts.path))
    elif parts.scheme and len(parts.scheme) > 1:  # a one-letter "scheme" is a Windows drive
        raise PageFetchError(f"refused {target}: only http and https URLs, or local files, can be read")
    else:
        path = Path(target).expanduser()
    path = path.resolve()
    if rules.local_root is None:
        raise PageFetchError(f"refused {target}: a page from the web may not name files on this machine")
    if not path.is_relative_to(rules.local_root):
        raise PageFetchError(f"refused {target}: a page read from a file may only use files from its own folder "
                             f"({rules.local_root})")
    if not path.is_file():
        raise PageFetchError(f"{path}: no such file")
    size = path.stat().st_size
    if size > rules.max_bytes:
        raise PageFetchError(f"{path}: the file is {size} bytes, over the {rules.max_bytes} byte limit")
    return FetchedPage(url=path.as_uri(), body=path.read_bytes())


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address that was checked, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a checked address, with the certificate verified for the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def _fetch_http(url: str, rules: FetchRules) -> FetchedPage:
    deadline = time.monotonic() + rules.timeout_s
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            host, port = host_and_port(url)
            address = checked_addresses(url, rules.allowed_private, hint=PRIVATE_HINT)[0]
        except UnsafeAddressError as exc:
            raise PageFetchError(str(exc)) from None
        connection_class = _PinnedHTTPSConnection if url.startswith("https:") else _PinnedHTTPConnection
        connection = connection_class(host, port, address, timeout=rules.timeout_s)
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", path, headers={
                "User-Agent": PAGE_USER_AGENT, "Accept-Encoding": "identity",
                "Accept": "text/html,application/xhtml+xml,image/*;q=0.9,*/*;q=0.5",
            })
            response = connection.getresponse()
            if response.status in REDIRECT_STATUSES and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location", ""))
                continue
            if response.status >= 400:
                raise PageFetchError(f"HTTP {response.status} {response.reason} from {url}: "
                                     "an error page, not a product page")
            if response.status != 200:
                raise PageFetchError(f"HTTP {response.status} {response.reason} from {url}: expected 200 OK")
            body = _read_capped(response, url, rules.max_bytes, deadline)
            return FetchedPage(url=url, body=body, content_type=response.getheader("Content-Type", ""))
        except (OSError, http.client.HTTPException) as exc:
            reason = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            raise PageFetchError(f"cannot fetch {url}: {reason}") from None
        finally:
            connection.close()
    raise PageFetchError(f"cannot fetch {url}: more than {MAX_REDIRECTS} redirects")


def _read_capped(response: http.client.HTTPResponse, url: str, max_bytes: int, deadline: float) -> bytes:
    announced = response.getheader("Content-Length")
    if announced and announced.isdigit() and int(announced) > max_bytes:
        raise PageFetchError(f"{url} is {int(announced)} bytes, over the {max_bytes} byte limit")
    chunks: list[bytes] = []
    received = 0
    while chunk := response.read(64 * 1024):
        received += len(chunk)
        if received > max_bytes:
            raise PageFetchError(f"{url} is larger than the {max_bytes} byte limit; stopped reading")
        if time.monotonic() > deadline:
            raise PageFetchError(f"cannot fetch {url}: timed out while reading")
        chunks.append(chunk)
    return b"".join(chunks)
