"""Which addresses the crawler may fetch: public ones, plus hosts a source explicitly allows.

Every request, including each redirect hop and robots.txt, passes
:class:`AddressGuardMiddleware` before it is downloaded: the host is resolved and every
address it resolves to must be public (not private, loopback, link-local, multicast,
reserved or unspecified) unless the exact ``host:port`` belongs to a source that was
added with ``--allow-private``. So a public page that redirects to ``169.254.169.254``
or to ``127.0.0.1`` is refused, and allow-listing one loopback server does not open the
others.

The check is made twice: by the middleware before the request is queued, and by
:class:`PublicAddressResolver` on the DNS answer the connection really uses, so a name
that resolves to a public address first and a private one a moment later (DNS
rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

ALLOWED_SCHEMES = ("http", "https")


class UnsafeAddressError(IgnoreRequest):
    """A request was refused before download because of where it points."""


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def host_and_port(url: str) -> tuple[str, int]:
    """Lower-cased host and explicit or default port of an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        raise UnsafeAddressError(f"refused {url}: only http and https URLs are crawled")
    if not parts.hostname:
        raise UnsafeAddressError(f"refused {url}: no host")
    return parts.hostname.lower(), parts.port or _default_port(parts.scheme)


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified or not ip.is_global
    )


def resolve(host: str) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise UnsafeAddressError(f"refused {host}: cannot resolve the host ({exc})") from None
    return sorted({info[4][0] for info in infos})


def check_url(url: str, allowed_private: Iterable[tuple[str, int]] = ()) -> None:
    """Raise :class:`UnsafeAddressError` unless ``url`` may be fetched.

    Args:
        url: the URL about to be requested.
        allowed_private: ``(host, port)`` pairs that may resolve to non-public addresses.
    """
    checked_addresses(url, allowed_private)


def checked_addresses(
    url: str, allowed_private: Iterable[tuple[str, int]] = (), *, hint: str = "add the source with --allow-private",
) -> list[str]:
    """The addresses ``url``'s host resolves to, all of them allowed; else :class:`UnsafeAddressError`.

    A fetcher that connects to one of these (rather than resolving the name again) cannot
    be moved to a private address between the check and the connection (DNS rebinding).

    Args:
        hint: what the user can do to fetch a non-public address anyway, for the message.
    """
    host, port = host_and_port(url)
    addresses = resolve(host)
    if (host, port) in set(allowed_private):
        return addresses
    for address in addresses:
        if not is_public_address(address):
            raise UnsafeAddressError(
                f"refused {url}: {host} resolves to the non-public address {address} ({hint} to fetch it anyway)"
            )
    return addresses


def check_literal_host(url: str) -> None:
    """The checks that need no DNS: scheme, and a host that is a non-public IP or ``localhost``.

    For validating a source when it is added (the machine may be offline); names are
    resolved and checked again on every request by :class:`AddressGuardMiddleware`.
    """
    host, _port = host_and_port(url)
    if host == "localhost" or host.endswith(".localhost"):
        raise UnsafeAddressError(f"refused {url}: localhost is not public (add the source with --allow-private)")
    try:
        address = str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return
    if not is_public_address(address):
        raise UnsafeAddressError(
            f"refused {url}: {address} is a non-public address (add the source with --allow-private to crawl it anyway)"
        )


class AddressGuardMiddleware:
    """Scrapy downloader middleware applying :func:`check_url` to every request.

    A source's request (and each of its redirects, which keep its ``meta``) may reach a
    non-public address only at that source's own ``host:port``, and only when the source
    allows it: the spider's ``private_host_of_source`` maps source id to that pair. A
    request that belongs to no source (robots.txt) may reach any allow-listed pair.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> "AddressGuardMiddleware":
        return cls(crawler)

    def process_request(self, request):
        spider = self.crawler.spider
        by_source = getattr(spider, "private_host_of_source", {})
        if "source_id" in request.meta:
            own = by_source.get(request.meta["source_id"])
            allowed = [own] if own else []
        else:
            allowed = list(by_source.values())
        check_url(request.url, allowed)
        return None


PRIVATE_HOSTS_SETTING = "ADLOOM_PRIVATE_HOSTS"


@implementer(IResolverSimple)
class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's DNS resolver, refusing non-public answers for hosts no source allow-lists.

    Scrapy builds the resolver once per process, before any spider exists, so the
    allow-listed host names come from the ``ADLOOM_PRIVATE_HOSTS`` setting.
    """

    allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.allowed_hosts = frozenset(h.lower() for h in crawler.settings.getlist(PRIVATE_HOSTS_SETTING))
        return resolver

    def getHostByName(self, name, timeout=()):  # noqa: N802 (Twisted's interface name)
        resolved = super().getHostByName(name, timeout)
        resolved.addCallback(self.refuse_non_public, name)
        return resolved

    def refuse_non_public(self, address: str, name: str) -> str:
        """Pass ``address`` on if it is public or ``name`` is an allow-listed host; else raise."""
        if name.lower() not in self.allowed_hosts and not is_public_address(address):
            raise UnsafeAddressError(f"refused {name}: it resolved to the non-public address {address} when connecting")
        return address
