"""The crawl child process: ``python -m adloom.tools.scrape.crawl_process JOB.json RESULT.json``.

Twisted's reactor cannot be started twice in one process, so each crawl runs here, in a
fresh interpreter; :mod:`adloom.tools.scrape.runner` starts it and reads the result file, which
is written atomically once the crawl has finished.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

# Offline: scrapy's cookie and offsite handling would otherwise fetch the public suffix list.
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""

from scrapy.crawler import CrawlerProcess  # noqa: E402

from adloom.storage.files import write_json_atomic  # noqa: E402
from adloom.tools.scrape.items import CrawlOptions, CrawlResult, CrawlSource, SourceReport  # noqa: E402
from adloom.tools.scrape.network_safety import PRIVATE_HOSTS_SETTING  # noqa: E402
from adloom.tools.scrape.pipelines import ITEM_PIPELINES  # noqa: E402
from adloom.tools.scrape.spider import SourcesSpider  # noqa: E402


def scrapy_settings(options: CrawlOptions) -> dict:
    """Scrapy settings for the politeness and safety limits in ``options``."""
    return {
        "USER_AGENT": options.user_agent,
        "ROBOTSTXT_OBEY": options.obey_robots_txt,
        "AUTOTHROTTLE_ENABLED": options.autothrottle,
        "AUTOTHROTTLE_START_DELAY": 0.5,
        "AUTOTHROTTLE_MAX_DELAY": 10.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(options.concurrency_per_domain),
        "CONCURRENT_REQUESTS": options.concurrency_total,
        "CONCURRENT_REQUESTS_PER_DOMAIN": options.concurrency_per_domain,
        "DOWNLOAD_TIMEOUT": options.timeout_s,
        "RETRY_ENABLED": options.retries > 0,
        "RETRY_TIMES": options.retries,
        "DOWNLOAD_MAXSIZE": options.max_response_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "TWISTED_DNS_RESOLVER": "adloom.tools.scrape.network_safety.PublicAddressResolver",
        "ITEM_PIPELINES": ITEM_PIPELINES,
        "DOWNLOADER_MIDDLEWARES": {
            # Before robots.txt (100), so a refused host is never contacted, not even for robots.txt.
            "adloom.tools.scrape.network_safety.AddressGuardMiddleware": 50,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "adloom.tools.scrape.politeness.SharedRobotsTxtMiddleware": 100,
        },
    }


def run_crawl(job: dict) -> CrawlResult:
    """Crawl the job's sources in this process (once: the reactor does not restart)."""
    options = CrawlOptions.model_validate(job["options"])
    started = time.perf_counter()
    settings = scrapy_settings(options)
    sources = [CrawlSource.model_validate(source) for source in job["sources"]]
    settings[PRIVATE_HOSTS_SETTING] = sorted({urlsplit(str(s.url)).hostname for s in sources if s.allow_private})
    process = CrawlerProcess(settings=settings, install_root_handler=True)
    crawler = process.create_crawler(SourcesSpider)
    process.crawl(crawler, sources=job["sources"], max_bytes=options.max_response_bytes)
    process.start()
    spider = crawler.spider
    reports = []
    items = []
    for source in spider.sources:
        report = spider.reports.get(source.id) or SourceReport(
            source_id=source.id, url=str(source.url), status="failed", error="no response (crawl stopped early)",
        )
        if report.status == "ok":
            kept = spider.items.get(source.id, [])
            items.extend(kept)
            report = report.model_copy(update={"items": len(kept)})
        reports.append(report)
    pages = int(crawler.stats.get_value("response_received_count", 0) or 0)
    return CrawlResult(items=items, reports=reports, pages=pages, seconds=time.perf_counter() - started)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m adloom.tools.scrape.crawl_process JOB.json RESULT.json", file=sys.stderr)
        return 2
    job = json.loads(Path(argv[0]).read_text("utf-8"))
    result = run_crawl(job)
    write_json_atomic(Path(argv[1]), result.model_dump(mode="json"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
