"""The error contract of every command (issue 16), checked on the real ``adloom`` process.

Bad input: exit 2 and one ``error:`` line per problem, nothing written. A failure after
the start: exit 1, one line naming the log that holds the traceback. Never a traceback on
the terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from adloom.agents.brief import BriefError, load_brief
from conftest import REPO_ROOT
from test_cli import adloom_command, adloom_env, explain, run_adloom
from adloom.tools.editor.inputs import MediaInputError
from adloom.tools.editor.user_captions import MAX_SUBTITLE_BYTES, load_user_captions, read_subtitle_file

EXAMPLE = yaml.safe_load((REPO_ROOT / "examples" / "brief.yaml").read_text("utf-8"))


def refused(result: subprocess.CompletedProcess, *expected: str) -> list[str]:
    """The ``error:`` lines of an exit-2 result, each expected text in one of them."""
    assert result.returncode == 2, explain(result)
    assert "Traceback" not in result.stdout + result.stderr, explain(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("error: ") for line in lines), explain(result)
    for text in expected:
        assert any(text in line for line in lines), (text, explain(result))
    return lines


def brief_file(tmp_path: Path, text: str | None = None, **changes) -> Path:
    path = tmp_path / "brief.yaml"
    if text is None:
        data = {**EXAMPLE, **changes}
        text = yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_nothing_written(workdir: Path) -> None:
    runs = workdir / "data" / "runs"
    assert not runs.exists() or not any(runs.iterdir())
    assert not (workdir / "out").exists()


# --- briefs -------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("brand:\n  name: A\n" + "x: " + "[" * 1000 + "]" * 1000 + "\n", "nested more than"),
    ("brand: {name: A}\nbrand: {name: B}\nproduct: {name: P, description: d}\n", "duplicate key 'brand'"),
    ("brand: {name: A}\nproduct: {name: P, description: d}\nduration_s: .nan\n", "duration_s: Input should be a finite number"),
    ("brand: {name: A}\nproduct: {name: P, description: d}\nduration_s: .inf\n", "duration_s: Input should be a finite number"),
], ids=["1000-deep", "duplicate-key", "nan", "inf"])
def test_malformed_briefs_are_refused_in_one_line_each(tmp_path, text, expected):
    path = brief_file(tmp_path, text)
    with pytest.raises(BriefError) as caught:
        load_brief(path)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems
    assert all("\n" not in problem for problem in caught.value.problems)


def test_the_cli_refuses_a_deep_brief_without_a_traceback(tmp_path):
    path = brief_file(tmp_path, "brand: " + "- " * 0 + "[" * 1000 + "]" * 1000 + "\n")
    refused(run_adloom(tmp_path, "run", path, "--out", tmp_path / "out"), "nested more than 20 levels")
    assert_nothing_written(tmp_path)


def test_a_folder_is_not_reported_as_missing(tmp_path):
    (tmp_path / "logo.png").mkdir()
    with pytest.raises(BriefError, match="is a folder, not a file"):
        load_brief(brief_file(tmp_path, brand={**EXAMPLE["brand"], "logo": "logo.png"}))
    with pytest.raises(MediaInputError, match="is a folder"):
        read_subtitle_file(tmp_path / "logo.png")


# --- checks before the first stage ---------------------------------------------------------


def test_problems_a_run_would_meet_late_are_all_refused_before_it_starts(tmp_path):
    config = tmp_path / "gpu.toml"
    config.write_text('[video]\nbackend = "cogvideox"\nmodel = "/nowhere/CogVideoX-2b"\n', encoding="utf-8")
    product = {**EXAMPLE["product"], "name": "Cold Brew שלום 🚀",
               "facts": [f"fact {i} about the can" for i in range(10000)]}
    path = brief_file(tmp_path, product=product, language="xx", voiceover={"voice": "nobody"})
    (tmp_path / "a-file").write_text("")
    result = run_adloom(tmp_path, "run", path, "--out", tmp_path / "a-file" / "out", "--config", config)
    refused(result, "[video] model = '/nowhere/CogVideoX-2b': no such folder",
            "voiceover: [tts] voice = 'nobody'", "language: 'xx' cannot be spoken",
            "has no glyphs for '🚀'", "product.facts: 10000 facts", "product.name: the hibari voice speaks English only",
            "(Hebrew letters)", "--out: " + str(tmp_path / "a-file") + " is a file")
    assert_nothing_written(tmp_path)
    database = tmp_path / "data" / "adloom.db"
    if database.exists():
        from adloom.storage import records
        from adloom.storage.database import open_database

        with open_database(f"sqlite:///{database}").session() as session:
            assert records.list_runs(session) == []


# --- configuration and the command line ------------------------------------------------------


def test_config_problems_are_error_lines(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    refused(run_adloom(tmp_path, "runs", "list", "--config", deep), "nested too deeply")
    duplicate = tmp_path / "duplicate.toml"
    duplicate.write_text('data_dir = "/tmp/a"\ndata_dir = "/tmp/b"\n', encoding="utf-8")
    refused(run_adloom(tmp_path, "runs", "list", "--config", duplicate), "cannot read config file")
    refused(run_adloom(tmp_path, "runs", "list", ADLOOM_DATA_DIR=""), "config key 'data_dir' (or ADLOOM_DATA_DIR)")
    assert not (tmp_path / "adloom.db").exists()
    refused(run_adloom(tmp_path, "runs", "list", ADLOOM_CONFIG="/missing.toml"),
            "config file not found: /missing.toml (from ADLOOM_CONFIG)")


@pytest.mark.parametrize("port", ["70000", "0", "-1"])
def test_serve_refuses_a_port_out_of_range(tmp_path, port):
    refused(run_adloom(tmp_path, "serve", f"--port={port}", timeout=60), f"--port {port}: choose a port from 1 to 65535")


def test_a_database_that_cannot_be_opened_is_one_error_line(tmp_path):
    refused(run_adloom(tmp_path, "runs", "list", ADLOOM_DATABASE_URL="postgresql+psycopg://adloom@127.0.0.1:9/adloom"))
    (tmp_path / "plain-file").write_text("")
    refused(run_adloom(tmp_path, "runs", "list", ADLOOM_DATA_DIR=str(tmp_path / "plain-file" / "data")))


_CRASHING_COMMAND = textwrap.dedent("""
    import sys
    from adloom import cli

    @cli.app.command("crash")
    def crash() -> None:
        raise RuntimeError("the disk fell off\\nsecond line")

    sys.argv = ["adloom", "crash"]
    cli.main()
""")


def test_an_unexpected_failure_is_one_line_and_the_traceback_goes_to_the_log(tmp_path):
    env = adloom_env(tmp_path / "data", PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, "-c", _CRASHING_COMMAND], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1, explain(result)
    log = tmp_path / "data" / "logs" / "adloom.log"
    assert result.stderr.strip() == f"error: RuntimeError: the disk fell off (details in {log})", explain(result)
    assert "Traceback" not in result.stdout + result.stderr
    assert "Traceback" in log.read_text() and "the disk fell off" in log.read_text()


# --- assemble and subtitles ------------------------------------------------------------------


def test_a_huge_subtitle_file_is_refused_before_it_is_parsed(tmp_path):
    srt = tmp_path / "one-cue.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\n" + "a" * (10 * 1024 * 1024) + "\n\n", encoding="utf-8")
    with pytest.raises(MediaInputError, match=f"the limit is {MAX_SUBTITLE_BYTES}"):
        read_subtitle_file(srt)
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\n" + "word " * 1000 + "\n\n", encoding="utf-8")
    with pytest.raises(MediaInputError, match=r"cue 1 has 4999 characters; the limit is 400"):
        load_user_captions(srt, 10.0)


def test_assemble_checks_out_font_and_logo_before_rendering(tmp_path):
    from PIL import Image

    picture = tmp_path / "p.png"
    Image.new("RGB", (64, 64), "red").save(picture)
    text_as_png = tmp_path / "logo.png"
    text_as_png.write_text("not a picture")
    text_as_font = tmp_path / "font.ttf"
    text_as_font.write_text("not a font")
    (tmp_path / "folder.mp4").mkdir()
    result = run_adloom(tmp_path, "assemble", "--images", picture, "--duration", "2", "--no-captions",
                        "--font", text_as_font, "--out", tmp_path / "folder.mp4")
    refused(result, "--out: " + str(tmp_path / "folder.mp4") + " is a folder", "--font: ")
    result = run_adloom(tmp_path, "assemble", "--images", picture, "--duration", "2", "--no-captions",
                        "--logo", text_as_png, "--out", tmp_path / "ad.mp4")
    refused(result, "logo")
    assert not (tmp_path / "ad.mp4").exists()


def test_an_empty_data_dir_in_the_file_is_refused(tmp_path, monkeypatch):
    from adloom.config import ConfigError, load_settings

    monkeypatch.delenv("ADLOOM_DATA_DIR", raising=False)
    config = tmp_path / "adloom.toml"
    config.write_text('data_dir = ""\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="config key 'data_dir' .*must name a folder"):
        load_settings(config)


def test_nul_bytes_in_brief_text_are_refused():
    from adloom.agents.brief import parse_brief

    with pytest.raises(BriefError) as caught:
        parse_brief({"brand": {"name": "a\x00b"}, "product": {"name": "P", "description": "d", "facts": ["x\x00"]}})
    assert caught.value.problems == ["brand.name: may not contain a NUL byte",
                                     "product.facts: may not contain a NUL byte"]


def test_resume_checks_the_run_against_todays_settings_before_it_continues(tmp_path):
    from adloom.storage import records
    from adloom.storage.database import open_database

    database = open_database(f"sqlite:///{tmp_path / 'data' / 'adloom.db'}")
    brief = {**EXAMPLE, "language": "en"}
    with database.session() as session:
        records.create_run(session, "c" * 32, brief=brief, brief_path=None, out_dir=str(tmp_path / "out"),
                           config={"kind": "campaign"})
    result = run_adloom(tmp_path, "resume", "c" * 32, ADLOOM_VIDEO__BACKEND="cogvideox",
                        ADLOOM_VIDEO__MODEL="/nowhere/CogVideoX-2b")
    refused(result, f"run {'c' * 32}: [video] model = '/nowhere/CogVideoX-2b': no such folder")
    with database.session() as session:
        run = records.get_run(session, "c" * 32)
        assert run.lease_id is None and run.status == "running" and run.events == []
    database.dispose()


@pytest.mark.slow
def test_a_run_that_fails_after_its_start_is_one_line_with_the_log_and_the_resume_command(tmp_path):
    result = run_adloom(tmp_path, "run", REPO_ROOT / "examples" / "brief.yaml", "--out", tmp_path / "out",
                        ADLOOM_LLM__BACKEND="openai", ADLOOM_LLM__BASE_URL="http://127.0.0.1:9/v1",
                        ADLOOM_LLM__MODEL="m", ADLOOM_LLM__MAX_RETRIES="0", ADLOOM_LLM__TIMEOUT_S="2", timeout=300)
    assert result.returncode == 1, explain(result)
    assert "Traceback" not in result.stdout + result.stderr
    log = tmp_path / "data" / "logs" / "adloom.log"
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and f"(details in {log}); resume it with: adloom resume " in errors[0], explain(result)
    assert "Traceback" in log.read_text() and "cannot reach the LLM endpoint" in log.read_text()
