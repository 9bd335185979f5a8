"""Politeness and safety: refused addresses, robots.txt, size caps, timeouts, broken bodies.

Every bad source is reported on its own, the good ones in the same crawl still succeed,
and nothing from a failed source (or a failed crawl) reaches the database.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from loopback_http import LoopbackSite
from adloom.storage.database import open_database
from adloom.storage.models import Brand, Source, TrendItem
from adloom.tools.scrape.items import USER_AGENT, CrawlOptions, CrawlSource
from adloom.tools.scrape.network_safety import UnsafeAddressError, check_url, is_public_address
from adloom.tools.scrape.runner import CrawlFailed, crawl_sources
from adloom.tools.scrape.store import store_crawl

HN_PAGE = "trends/hackernews/hn_frontpage_2023-10_jblanava.html"


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
])
def test_non_public_addresses_are_refused(address: str):
    assert not is_public_address(address)
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(UnsafeAddressError, match="non-public"):
        check_url(f"http://{host}/feed.xml")


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address: str):
    assert is_public_address(address)
    host = f"[{address}]" if ":" in address else address
    check_url(f"http://{host}/feed.xml")  # no resolution needed for an IP literal


def test_allow_list_is_per_host_and_port_and_schemes_are_http_only():
    check_url("http://127.0.0.1:8080/x", allowed_private=[("127.0.0.1", 8080)])
    with pytest.raises(UnsafeAddressError):
        check_url("http://127.0.0.1:8081/x", allowed_private=[("127.0.0.1", 8080)])
    with pytest.raises(UnsafeAddressError, match="only http and https"):
        check_url("file:///etc/passwd")
    with pytest.raises(UnsafeAddressError, match="only http and https"):
        check_url("ftp://example.org/x")


def test_the_resolver_refuses_a_private_answer_for_a_name_nobody_allow_listed():
    from scrapy.settings import Settings as ScrapySettings

    from adloom.tools.scrape.network_safety import PRIVATE_HOSTS_SETTING, PublicAddressResolver

    process = SimpleNamespace(settings=ScrapySettings({PRIVATE_HOSTS_SETTING: ["Intranet.test"]}))
    # No reactor is needed to check an answer (importing one here would install it in pytest's process).
    resolver = PublicAddressResolver.from_crawler(process, reactor=SimpleNamespace())
    assert resolver.refuse_non_public("93.184.216.34", "example.org") == "93.184.216.34"
    assert resolver.refuse_non_public("10.0.0.5", "intranet.test") == "10.0.0.5"
    with pytest.raises(UnsafeAddressError, match="rebind.example: it resolved to the non-public address 127.0.0.1"):
        resolver.refuse_non_public("127.0.0.1", "rebind.example")


@pytest.fixture(scope="module")
def site_root(tmp_path_factory, shared_data: Path) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "hn.html").write_bytes((shared_data / HN_PAGE).read_bytes())
    shutil.copy(shared_data / "trends/feeds/rss-parser/heise.atom", root / "heise.atom")
    shutil.copy(shared_data / "trends/feeds/rss-parser/heise.atom", root / "private-area.atom")
    (root / "broken.xml").write_bytes(b"<?xml version='1.0'?><rss><channel><item><title>cut")
    (root / "broken.json").write_bytes(b'{"kind": "Listing", "data": {"children": [')
    (root / "not-hn.html").write_bytes(b"<html><body><p>no stories here</body></html>")
    (root / "not-trends.json").write_bytes(b'{"something": "else"}')
    (root / "no-product.html").write_bytes(b"<html><head><title>x</title></head><body>plain</body></html>")
    return root


@pytest.fixture(scope="module")
def bad_crawl(site_root: Path):
    with LoopbackSite(site_root, disallow=("/private-area",)) as site:
        other_loopback = f"http://127.0.0.2:{site.server.server_port}/hn.html"
        plan = {
            "good-hn": ("hackernews", "hn.html", True),
            "good-atom": ("rss", "heise.atom", True),
            "broken-xml": ("rss", "broken.xml", True),
            "broken-json": ("reddit", "broken.json", True),
            "not-hn": ("hackernews", "not-hn.html", True),
            "not-trends": ("google-trends", "not-trends.json", True),
            "no-product": ("product", "no-product.html", True),
            "huge": ("rss", "huge?mb=50", True),
            "huge-chunked": ("rss", "huge-chunked?mb=50", True),
            "redirect-metadata": ("rss", "redirect?to=http://169.254.169.254/latest/meta-data", True),
            "redirect-other-loopback": ("rss", f"redirect?to={other_loopback}", True),
            "slow": ("rss", "slow?s=4", True),
            "robots": ("rss", "private-area.atom", True),
            "not-allow-listed": ("hackernews", "hn.html?copy=1", False),
            "http-error": ("rss", "missing.xml", True),
        }
        sources = [
            CrawlSource(id=index, kind=kind, url=site.url(path), allow_private=allowed)
            for index, (kind, path, allowed) in enumerate(plan.values())
        ]
        options = CrawlOptions(timeout_s=1.5, retries=0, max_response_bytes=2 * 1024 * 1024, autothrottle=False)
        result = crawl_sources(sources, options)
        hits, agents = list(site.hits), list(site.user_agents)
    reports = {name: result.reports[index] for index, name in enumerate(plan)}
    return result, reports, hits, agents


def test_good_sources_succeed_beside_bad_ones(bad_crawl):
    result, reports, _, _ = bad_crawl
    assert reports["good-hn"].status == "ok" and reports["good-hn"].items == 30
    assert reports["good-atom"].status == "ok" and reports["good-atom"].items == 15
    good_ids = {reports["good-hn"].source_id, reports["good-atom"].source_id}
    assert {item.source_id for item in result.items} == good_ids


@pytest.mark.parametrize("name, reason", [
    ("broken-xml", "cannot parse rss response"),
    ("broken-json", "not valid JSON"),
    ("not-hn", "no Hacker News story rows"),
    ("not-trends", "not a Google Trends"),
    ("no-product", "no schema.org Product"),
    ("huge", "byte cap"),
    ("huge-chunked", "byte cap"),
    ("redirect-metadata", "169.254.169.254"),
    ("redirect-other-loopback", "127.0.0.2"),
    ("slow", "timed out"),
    ("robots", "robots.txt"),
    ("not-allow-listed", "--allow-private"),
    ("http-error", "HTTP 404"),
])
def test_each_bad_source_fails_alone_with_a_reason(bad_crawl, name: str, reason: str):
    _, reports, _, _ = bad_crawl
    report = reports[name]
    assert report.status == "failed"
    assert reason in (report.error or ""), report.error
    assert report.items == 0


def test_refused_and_disallowed_urls_are_never_requested(bad_crawl):
    _, _, hits, agents = bad_crawl
    assert "/robots.txt" in hits
    assert not any(hit.startswith("/private-area") for hit in hits)
    assert "/hn.html?copy=1" not in hits
    assert set(agents) == {USER_AGENT}


def test_failed_sources_store_nothing_but_their_status(bad_crawl, tmp_path: Path):
    result, reports, _, _ = bad_crawl
    database = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with database.session() as session:
        brand = Brand(name="Acme", colors=["#000000"])
        session.add(brand)
        session.flush()
        for report in result.reports:
            session.add(Source(id=report.source_id, brand_id=brand.id, kind="rss", url=report.url))
        session.flush()
        counts = store_crawl(session, brand.id, result, result.items)
    assert counts.inserted == 45 and counts.failed_sources == len(reports) - 2
    with database.session() as session:
        stored_sources = {row[0] for row in session.execute(select(TrendItem.source_id).distinct())}
        assert stored_sources == {reports["good-hn"].source_id, reports["good-atom"].source_id}
        statuses = {s.id: (s.last_status, s.last_error) for s in session.scalars(select(Source))}
    assert statuses[reports["slow"].source_id][0] == "failed"
    assert "timed out" in statuses[reports["slow"].source_id][1]
    assert statuses[reports["good-hn"].source_id] == ("ok", None)


def test_a_crawl_past_its_time_limit_is_stopped_and_nothing_is_returned(site_root: Path):
    with LoopbackSite(site_root) as site:
        sources = [CrawlSource(id=1, kind="rss", url=site.url("slow?s=30"), allow_private=True)]
        with pytest.raises(CrawlFailed, match="ran past"):
            crawl_sources(sources, CrawlOptions(timeout_s=60, retries=0, process_timeout_s=4))


def test_crawls_start_again_in_the_same_process(site_root: Path):
    with LoopbackSite(site_root) as site:
        source = CrawlSource(id=1, kind="rss", url=site.url("heise.atom"), allow_private=True)
        first = crawl_sources([source], CrawlOptions(retries=0))
        second = crawl_sources([source], CrawlOptions(retries=0))
    assert [r.status for r in first.reports + second.reports] == ["ok", "ok"]
    assert [i.title for i in first.items] == [i.title for i in second.items]
