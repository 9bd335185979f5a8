"""Crawl throughput: pages per second and peak memory over a few hundred loopback pages.

A loopback HTTP server (the tests' ``LoopbackSite``) serves generated RSS feeds of ten
items each; every feed is one source, crawled by the real spider in its child process
with robots.txt, the address guard and the item pipelines on. Prints, per configuration:
pages fetched, seconds inside the crawl process, seconds end to end (including starting
the process and reading its result), pages/s for both, items, and at the end the peak RSS of
the crawl processes and of this process.

    python benchmarks/crawl_throughput.py [--pages 300] [--per-domain 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the loopback server lives with the tests

from loopback_http import LoopbackSite  # noqa: E402

from adloom.tools.scrape.items import CrawlOptions, CrawlSource  # noqa: E402
from adloom.tools.scrape.runner import crawl_sources  # noqa: E402


def peak_rss_mib(who: int) -> float:
    """Peak resident memory in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def run(site: LoopbackSite, pages: int, label: str, options: CrawlOptions, repeat: int) -> None:
    """Crawl ``pages`` feeds ``repeat`` times; print the median run (the CPUs are shared and noisy)."""
    sources = [
        CrawlSource(id=n, kind="rss", url=site.url(f"generated/{n}.xml"), allow_private=True) for n in range(pages)
    ]
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = crawl_sources(sources, options)
        runs.append((result.seconds, time.perf_counter() - started, result))
    crawl_s, wall_s, result = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    ok = sum(1 for report in result.reports if report.status == "ok")
    print(
        f"{label:<36} pages {result.pages:>4} (ok {ok:>4})  crawl {crawl_s:6.2f} s "
        f"{result.pages / crawl_s:7.1f} pages/s  end-to-end {wall_s:6.2f} s {result.pages / wall_s:7.1f} pages/s  "
        f"items {len(result.items):>5}  (median of {repeat})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--per-domain", type=int, default=8, help="Concurrent requests per host.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per configuration; the median is printed.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root, LoopbackSite(Path(root)) as site:
        print(f"{args.pages} generated RSS pages on {site.base}")
        run(site, args.pages, f"unthrottled, {args.per_domain} per host",
            CrawlOptions(autothrottle=False, retries=0, concurrency_per_domain=args.per_domain), args.repeat)
        run(site, args.pages, f"AutoThrottle, {args.per_domain} per host",
            CrawlOptions(autothrottle=True, retries=0, concurrency_per_domain=args.per_domain), args.repeat)
        run(site, args.pages, "defaults (AutoThrottle, 2 per host)", CrawlOptions(retries=0), args.repeat)
    print(f"peak RSS of the crawl processes: {peak_rss_mib(resource.RUSAGE_CHILDREN):.1f} MiB")
    print(f"peak RSS of this process (server + runner): {peak_rss_mib(resource.RUSAGE_SELF):.1f} MiB")


if __name__ == "__main__":
    main()
