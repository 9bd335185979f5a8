"""The sources and trends commands: validation before anything is written, and listings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from adloom.cli import app
from adloom.storage.database import open_database
from adloom.storage.models import Source


@pytest.fixture
def cli(tmp_path: Path):
    config = tmp_path / "adloom.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    brief = tmp_path / "brief.yaml"
    brief.write_text(yaml.safe_dump({
        "brand": {"name": "Acme"}, "product": {"name": "Anvil", "description": "A heavy anvil."},
    }), encoding="utf-8")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [*args, "--config", str(config)])

    assert invoke("brands", "import", str(brief)).exit_code == 0
    invoke.database_url = f"sqlite:///{(tmp_path / 'data' / 'adloom.db').resolve()}"
    return invoke


def _sources(cli) -> list[tuple[str, str, bool]]:
    with open_database(cli.database_url).session() as session:
        return [(s.kind, s.url, s.allow_private) for s in session.scalars(select(Source))]


@pytest.mark.parametrize("args, message", [
    (["--kind", "atom", "https://example.org/feed"], "--kind 'atom': choose from rss, google-trends"),
    (["--kind", "rss", "ftp://example.org/feed"], "URL 'ftp://example.org/feed'"),
    (["--kind", "rss", "http://127.0.0.1:8080/feed"], "--allow-private"),
    (["--kind", "rss", "http://169.254.169.254/latest"], "non-public"),
    (["--kind", "rss", "http://localhost/feed"], "localhost"),
])
def test_sources_add_refuses_bad_input_with_exit_2(cli, args: list[str], message: str):
    result = cli("sources", "add", "--brand", "Acme", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "error:" in result.output
    assert _sources(cli) == []


def test_sources_add_and_list(cli):
    assert cli("sources", "add", "--brand", "Nobody", "--kind", "rss", "https://example.org/feed").exit_code == 2
    added = cli("sources", "add", "--brand", "Acme", "--kind", "hackernews", "https://news.ycombinator.com/")
    assert added.exit_code == 0, added.output
    private = cli("sources", "add", "--brand", "Acme", "--kind", "rss", "--allow-private", "http://127.0.0.1:9/x.xml")
    assert private.exit_code == 0, private.output
    assert _sources(cli) == [("hackernews", "https://news.ycombinator.com/", False),
                             ("rss", "http://127.0.0.1:9/x.xml", True)]
    listed = cli("sources", "list", "--brand", "Acme")
    assert "news.ycombinator.com" in listed.output and "127.0.0.1:9" in listed.output


def test_trends_commands_name_unknown_brands(cli):
    result = cli("trends", "list", "--brand", "Nobody")
    assert result.exit_code == 2 and "no brand named 'Nobody'" in result.output
    assert cli("trends", "list", "--brand", "Acme").exit_code == 0
    scrape = cli("trends", "scrape")
    assert scrape.exit_code == 2 and "no brand has sources" in scrape.output


def test_schedule_commands_validate_and_list(cli):
    bad = cli("schedule", "add", "--cron", "0 25 * * *", "--brand", "Acme")
    assert bad.exit_code == 2 and "--cron" in bad.output
    assert cli("schedule", "add", "--cron", "0 9 * * *", "--brand", "Nobody").exit_code == 2
    assert cli("schedule", "add", "--cron", "0 9 * * 1-5", "--brand", "Acme").exit_code == 0
    assert "no ticks yet" in cli("schedule", "history").output
    listed = cli("schedule", "list")
    assert "0 9 * * 1-5" in listed.output and "Acme" in listed.output
    assert cli("schedule", "remove", "7").exit_code == 2
    assert cli("schedule", "remove", "1").exit_code == 0
    assert "Acme" not in cli("schedule", "list").output


@pytest.mark.slow
def test_trends_scrape_reports_each_source_and_lists_topics(cli, shared_data: Path, tmp_path: Path):
    from loopback_http import LoopbackSite

    (tmp_path / "broken.xml").write_text("<rss><channel><item><title>cut", encoding="utf-8")
    with LoopbackSite(shared_data) as site, LoopbackSite(tmp_path) as broken_site:
        hn = site.url("trends/hackernews/hn_frontpage_2023-10_jblanava.html")
        assert cli("sources", "add", "--brand", "Acme", "--kind", "hackernews", "--allow-private", hn).exit_code == 0
        assert cli("sources", "add", "--brand", "Acme", "--kind", "rss", "--allow-private",
                   broken_site.url("broken.xml")).exit_code == 0
        scraped = cli("trends", "scrape", "--brand", "Acme")
    assert scraped.exit_code == 0, scraped.output
    assert "Acme: 30 new and 0 updated items" in scraped.output and "(1 sources failed)" in scraped.output
    assert "not well-formed XML" in scraped.output  # the failed source's reason, on its own line
    listed = cli("sources", "list")
    assert "ok at" in listed.output and "failed at" in listed.output
    topics = cli("trends", "list", "--brand", "Acme", "--limit", "5")
    assert topics.exit_code == 0 and len(topics.output.strip().splitlines()) == 5
    assert "[Anvil" in topics.output
