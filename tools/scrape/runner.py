"""Running a crawl from any process, as many times as needed: each crawl is a child process.

Scrapy runs on Twisted, whose reactor stops for good after one crawl in a process; a
child process per crawl sidesteps that, keeps a crashed or hung crawl from taking the
caller down (it is killed after ``process_timeout_s``), and returns its memory when done.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from adloom.tools.child_processes import child_process_options
from adloom.tools.scrape.items import CrawlOptions, CrawlResult, CrawlSource

REPO_ROOT = Path(__file__).resolve().parents[2]


class CrawlFailed(RuntimeError):
    """The crawl process itself failed (not one source: those are reported per source)."""


def crawl_sources(
    sources: list[CrawlSource], options: CrawlOptions | None = None, *, work_dir: Path | None = None
) -> CrawlResult:
    """Fetch and parse every source; a failing source is reported, the others go on.

    Args:
        sources: what to crawl; ids must be unique.
        options: politeness and safety limits (defaults when None).
        work_dir: where the job and result files go (a temporary folder when None).

    Raises:
        ValueError: duplicate source ids.
        CrawlFailed: the crawl process crashed or ran past ``options.process_timeout_s``.
    """
    options = options or CrawlOptions()
    ids = [source.id for source in sources]
    if len(set(ids)) != len(ids):
        raise ValueError(f"crawl sources need unique ids, got {ids}")
    if not sources:
        return CrawlResult()
    with tempfile.TemporaryDirectory(prefix="adloom-crawl-", dir=work_dir) as folder:
        job_path = Path(folder) / "job.json"
        result_path = Path(folder) / "result.json"
        job = {"sources": [s.model_dump(mode="json") for s in sources], "options": options.model_dump(mode="json")}
        job_path.write_text(json.dumps(job), encoding="utf-8")
        command = [sys.executable, "-m", "adloom.tools.scrape.crawl_process", str(job_path), str(result_path)]
        try:
            completed = subprocess.run(
                command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=options.process_timeout_s,
                **child_process_options(),
            )
        except subprocess.TimeoutExpired:
            raise CrawlFailed(
                f"the crawl of {len(sources)} sources ran past {options.process_timeout_s:.0f} s and was stopped"
            ) from None
        if completed.returncode != 0 or not result_path.is_file():
            tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
            raise CrawlFailed(f"the crawl process exited with status {completed.returncode}:\n{tail}")
        return CrawlResult.model_validate_json(result_path.read_text("utf-8"))
