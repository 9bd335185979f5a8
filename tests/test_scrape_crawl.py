"""The real spiders crawl the shared fixtures from a loopback server; parses match the goldens.

One crawl (a child process, like production) fetches every fixture; each test checks one
source kind's items against the expected parse stored beside its fixture.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from loopback_http import LoopbackSite
from adloom.tools.scrape.items import CrawlOptions, CrawlResult, CrawlSource, ScrapedItem
from adloom.tools.scrape.pipelines import MAX_TITLE_CHARS, canonical_url, clean_text
from adloom.tools.scrape.runner import crawl_sources

RSS_PARSER_FEEDS = ["reddit.rss", "reddit-atom.rss", "guardian.rss", "heise.atom", "craigslist.rss"]
HN = "trends/hackernews/hn_frontpage_2023-10_jblanava"
HOTTRENDS = "trends/google_trends/pytrends_hottrends_trending_searches_2023-03-26.json"
REALTIME = "trends/google_trends/pytrends_realtimetrends_US.txt"
REDDIT = ["trends/reddit/praw_front_hot_listing_2016-03-01.json", "trends/reddit/praw_subreddit_top_listing.json"]
PRODUCTS = {
    "schema.org_product": "products/extruct/schema.org_product",
    "websites_microdata": "products/extruct/websites_microdata-with-description",
    "opengraph": "products/extruct/misc_opengraph_ns_product_test",
    "jsonld_0010": "products/schemaorg/eg-0010.jsonld",
}
_EXPECT_TITLE = re.compile(r"Expect:\s+not bozo and entries\[0\]\['title'\] == '([^']*)'")


def _feedparser_title_cases(shared_data: Path) -> dict[str, str]:
    """feedparser's conformance feeds whose ``Expect:`` line names the first entry's title."""
    cases = {}
    for path in sorted((shared_data / "trends/feeds/feedparser_tests/wellformed").rglob("*.xml")):
        match = _EXPECT_TITLE.search(path.read_text("utf-8", errors="replace"))
        if match:
            cases[str(path.relative_to(shared_data))] = match.group(1)
    return cases


class FixtureCrawl:
    def __init__(self, result: CrawlResult, sources: dict[str, CrawlSource]):
        self.result = result
        self.sources = sources

    def items(self, path: str) -> list[ScrapedItem]:
        source_id = self.sources[path].id
        report = next(r for r in self.result.reports if r.source_id == source_id)
        assert report.status == "ok", f"{path}: {report.error}"
        return [item for item in self.result.items if item.source_id == source_id]


@pytest.fixture(scope="module")
def crawl(shared_data: Path) -> FixtureCrawl:
    paths = [f"trends/feeds/rss-parser/{name}" for name in RSS_PARSER_FEEDS]
    kinds = {path: "rss" for path in paths}
    kinds[f"{HN}.html"] = "hackernews"
    kinds[HOTTRENDS] = "google-trends"
    kinds[REALTIME] = "google-trends"
    kinds.update({path: "reddit" for path in REDDIT})
    kinds.update({f"{path}.html": "product" for path in PRODUCTS.values()})
    kinds.update({path: "rss" for path in _feedparser_title_cases(shared_data)})
    kinds["trends/feeds/feedparser_tests/json/example.json"] = "rss"
    with LoopbackSite(shared_data) as site:
        sources = {
            path: CrawlSource(id=index, kind=kind, url=site.url(path), allow_private=True)
            for index, (path, kind) in enumerate(kinds.items())
        }
        result = crawl_sources(list(sources.values()), CrawlOptions(timeout_s=10, retries=0))
    return FixtureCrawl(result, sources)


def test_every_fixture_source_succeeds(crawl: FixtureCrawl):
    failed = {r.url: r.error for r in crawl.result.reports if r.status != "ok"}
    assert failed == {}
    assert crawl.result.pages >= len(crawl.sources)
    for report in crawl.result.reports:
        assert len(report.payload_sha256) == 64 and report.bytes > 0


def test_hacker_news_all_30_stories_with_points_and_comments(crawl: FixtureCrawl, shared_data: Path):
    expected = json.loads((shared_data / f"{HN}.expected.json").read_text("utf-8"))
    items = crawl.items(f"{HN}.html")
    assert len(items) == len(expected) == 30
    got = [(i.title, int(i.engagement["rank"]), int(i.engagement["comments"]), int(i.engagement["points"])) for i in items]
    want = [(e["title"], e["order"], e["comments"], e["points"]) for e in expected]
    assert got == want
    assert all(item.url.startswith("http") and item.fetched_at is not None for item in items)


@pytest.mark.parametrize("name", RSS_PARSER_FEEDS)
def test_rss_parser_feeds_match_the_golden_items(crawl: FixtureCrawl, shared_data: Path, name: str):
    stem = name.rsplit(".", 1)[0]
    expected = json.loads((shared_data / f"trends/feeds/rss-parser/{stem}.expected.json").read_text("utf-8"))
    want = [
        (clean_text(item["title"], MAX_TITLE_CHARS), canonical_url(item["link"]))
        for item in expected["feed"]["items"]
    ]
    got = [(item.title, item.url) for item in crawl.items(f"trends/feeds/rss-parser/{name}")]
    assert got == want
    with_dates = [i for i in expected["feed"]["items"] if i.get("isoDate")]
    items = crawl.items(f"trends/feeds/rss-parser/{name}")
    for golden, item in zip(expected["feed"]["items"], items):
        if golden.get("isoDate"):
            assert item.published_at is not None
            assert item.published_at.isoformat()[:19] == golden["isoDate"][:19]
    assert len(with_dates) == 0 or any(i.published_at for i in items)


def test_feedparser_conformance_feeds_first_titles(crawl: FixtureCrawl, shared_data: Path):
    cases = _feedparser_title_cases(shared_data)
    assert len(cases) >= 6
    for path, title in cases.items():
        assert crawl.items(path)[0].title == title, path


def test_json_feed_items(crawl: FixtureCrawl):
    items = crawl.items("trends/feeds/feedparser_tests/json/example.json")
    assert len(items) == 2  # the fixture's own Expect: len(entries) == 2


def test_google_trending_searches_match_pytrends(crawl: FixtureCrawl):
    titles = [item.title for item in crawl.items(HOTTRENDS)]
    assert len(titles) == 20
    assert titles[:3] == ["Chabelo", "Jonathan Majors", "Benavidez vs Plant"]
    assert titles[-3:] == ["Gonzaga", "Reese Witherspoon", "France vs Netherlands"]


def test_google_realtime_trends_match_pytrends(crawl: FixtureCrawl):
    items = crawl.items(REALTIME)
    assert len(items) == 111
    assert items[0].title == "Caleb Plant, Boxing, Canelo Álvarez, David Benavidez, Anthony Dirrell"
    assert items[-1].title == "Ron DeSantis, Casey DeSantis, Republican Party, Christina DeSantis"
    assert items[0].engagement["articles"] >= 1


@pytest.mark.parametrize("path", REDDIT)
def test_reddit_listings_have_every_post_with_score_and_comments(crawl: FixtureCrawl, shared_data: Path, path: str):
    listing = json.loads((shared_data / path).read_text("utf-8"))
    posts = [child["data"] for child in listing["data"]["children"]]
    items = crawl.items(path)
    assert len(items) == len(posts) == 100
    for post, item in zip(posts, items):
        assert item.title == clean_text(post["title"], MAX_TITLE_CHARS)
        assert item.engagement == {"points": post["score"], "comments": post["num_comments"]}
        assert item.published_at.timestamp() == post["created_utc"]


def _expected_microdata_product(path: Path) -> dict:
    product = json.loads(path.read_text("utf-8"))[0]["properties"]
    offers = product["offers"] if isinstance(product["offers"], list) else [product["offers"]]
    offer = offers[0]["properties"]
    return {"name": product["name"], "brand": product.get("brand"),
            "price": offer.get("price") or offer.get("lowPrice"), "currency": offer["priceCurrency"]}


def test_microdata_products_match_extruct(crawl: FixtureCrawl, shared_data: Path):
    for key in ("schema.org_product", "websites_microdata"):
        path = PRODUCTS[key]
        want = _expected_microdata_product(shared_data / f"{path}.json")
        product = crawl.items(f"{path}.html")[0].data["product"]
        assert {k: product[k] for k in want} == want, key
        assert product["description"]


def test_opengraph_product_matches_extruct(crawl: FixtureCrawl, shared_data: Path):
    path = PRODUCTS["opengraph"]
    expected = dict(json.loads((shared_data / f"{path}.json").read_text("utf-8"))[0]["properties"])
    products = [item.data["product"] for item in crawl.items(f"{path}.html")]
    og = next(p for p in products if p["syntax"] == "opengraph")
    assert og["price"] == expected["product:price:amount"] == "17.99"
    assert og["currency"] == expected["product:price:currency"] == "USD"
    assert og["gtin"] == expected["product:gtin"]
    assert og["availability"] == expected["product:availability"]
    assert og["name"] == expected["og:title"]


def test_jsonld_product_matches_schema_org_example(crawl: FixtureCrawl, shared_data: Path):
    path = PRODUCTS["jsonld_0010"]
    expected = json.loads((shared_data / f"{path}.json").read_text("utf-8"))
    product = crawl.items(f"{path}.html")[0].data["product"]
    assert product["name"] == expected["name"]
    assert product["price"] == expected["offers"]["price"]
    assert product["currency"] == expected["offers"]["priceCurrency"]
    assert product["reviews"] == expected["aggregateRating"]["reviewCount"]
