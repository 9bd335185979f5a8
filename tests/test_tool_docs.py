"""Executes docs/adding-a-tool-agent.md: its tool module, its calls, its entry point.

The page's Python blocks run in order. A block whose first line is ``# <name>.py`` is the
tool module: it is written to a temporary folder on ``sys.path`` and imported by the
blocks after it. The page's plugin ``pyproject.toml`` snippet becomes a fake installed
distribution (``*.dist-info`` with ``entry_points.txt``) to prove the entry-point path.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import adloom.tools.registry as registry
from adloom.storage.assets import sha256_file
from adloom.tools.registry import ENTRY_POINT_GROUP, load_tools

REPO_ROOT = Path(__file__).resolve().parents[1]
DOC = REPO_ROOT / "docs" / "adding-a-tool-agent.md"
TOOL_NAME = "copy.hashtags"
MODULE_NAME = "hashtag_suggester"

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_MODULE_HEADER = re.compile(r"#\s*(\w+)\.py\s*$")


def fenced_blocks(language: str) -> list[str]:
    """The page's fenced blocks in ``language``, in order."""
    return [body for lang, body in _FENCE.findall(DOC.read_text("utf-8")) if lang == language]


def module_blocks() -> dict[str, str]:
    """Python blocks that are whole modules, by module name."""
    modules = {}
    for body in fenced_blocks("python"):
        header = _MODULE_HEADER.match(body.splitlines()[0])
        if header:
            modules[header.group(1)] = body
    return modules


def usage_blocks() -> list[str]:
    return [body for body in fenced_blocks("python") if not _MODULE_HEADER.match(body.splitlines()[0])]


def plugin_pyproject() -> dict:
    """The separate-package pyproject snippet (the TOML block with a [project] name)."""
    for body in fenced_blocks("toml"):
        parsed = tomllib.loads(body)
        if "name" in parsed.get("project", {}):
            return parsed
    raise AssertionError(f"{DOC}: no pyproject.toml snippet with [project] name")


@pytest.fixture
def isolated_registry():
    """Restore the tool registry and forget the documented module after each test."""
    saved = dict(registry._REGISTRY)
    sys.modules.pop(MODULE_NAME, None)
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)
    sys.modules.pop(MODULE_NAME, None)


def write_modules(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in module_blocks().items():
        (folder / f"{name}.py").write_text(body, "utf-8")
    importlib.invalidate_caches()


def write_fake_distribution(site: Path) -> Path:
    """An installed-looking distribution built from the page's pyproject snippet."""
    project = plugin_pyproject()["project"]
    group = project["entry-points"][ENTRY_POINT_GROUP]
    dist_name, version = project["name"], project["version"]
    dist_info = site / f"{dist_name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n", "utf-8"
    )
    lines = [f"[{ENTRY_POINT_GROUP}]"] + [f"{name} = {value}" for name, value in group.items()]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", "utf-8")
    importlib.invalidate_caches()
    return dist_info


def test_page_has_the_expected_blocks():
    assert list(module_blocks()) == [MODULE_NAME]
    assert len(usage_blocks()) >= 3
    group = plugin_pyproject()["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert group == {"hashtags": MODULE_NAME}


def test_documented_code_runs(tmp_path, monkeypatch, isolated_registry):
    source = tmp_path / "src"
    write_modules(source)
    monkeypatch.syspath_prepend(str(source))
    # The page makes its data folder with tempfile.mkdtemp(); keep it inside tmp_path.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    namespace: dict = {"__name__": "adding_a_tool_agent_doc"}
    for number, block in enumerate(usage_blocks(), start=1):
        # A failing assert points at the block: the filename names the page and block.
        exec(compile(block, f"{DOC.name} python block {number}", "exec"), namespace)

    spec = registry.get_tool(TOOL_NAME)
    assert spec.module == MODULE_NAME
    assert Path(sys.modules[MODULE_NAME].__file__).parent == source
    first, again = namespace["first"], namespace["again"]
    stored = Path(first.file.path)
    assert stored.is_relative_to(scratch)  # inside the documented ToolContext's store
    assert sha256_file(stored) == first.file.sha256
    assert json.loads(stored.read_text("utf-8")) == {
        "text": namespace["copy_text"], "hashtags": first.hashtags,
    }
    assert again.from_cache and again.file == first.file
    # Three distinct requests were computed (two by hand, one as the planner would), so three cache entries.
    index_entries = list(Path(namespace["settings"].data_dir, "cache-index").rglob("*.json"))
    assert len(index_entries) == 3


def test_documented_tool_is_deterministic_across_stores(tmp_path, monkeypatch, isolated_registry, tool_context):
    """A fresh store gives the same hashtags and the same file hash: nothing random."""
    write_modules(tmp_path / "src")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    module = importlib.import_module(MODULE_NAME)
    request = module.HashtagRequest(text="Cold brew coffee. Brew it cold, drink it cold.", max_tags=3)
    result = registry.get_tool(TOOL_NAME).run(request, tool_context)
    assert result.hashtags == ["#Cold", "#Brew", "#Coffee"]
    other_store = type(tool_context.assets)(tmp_path / "other-store")
    other = registry.get_tool(TOOL_NAME).run(
        request, type(tool_context)(settings=tool_context.settings, assets=other_store)
    )
    assert other.file.sha256 == result.file.sha256 and not other.from_cache


def test_entry_point_registers_plugin_only_when_plugins_are_loaded(tmp_path, monkeypatch, isolated_registry):
    site = tmp_path / "site"
    write_modules(site)
    write_fake_distribution(site)
    monkeypatch.syspath_prepend(str(site))

    found = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.value == MODULE_NAME]
    assert [e.dist.name for e in found] == [plugin_pyproject()["project"]["name"]]
    assert TOOL_NAME not in registry._REGISTRY

    builtins_only = load_tools(plugins=False)
    assert TOOL_NAME not in builtins_only
    assert MODULE_NAME not in sys.modules  # not even imported

    with_plugins = load_tools(plugins=True)
    assert TOOL_NAME in with_plugins
    assert with_plugins[TOOL_NAME].module == MODULE_NAME
    assert Path(sys.modules[MODULE_NAME].__file__).parent == site
    # Every built-in is still there next to the plugin.
    assert set(builtins_only) <= set(with_plugins)


@pytest.mark.slow
def test_contract_test_covers_the_installed_plugin(tmp_path):
    """The page's promise: the contract test runs over the plugin with no test written for it."""
    site = tmp_path / "site"
    write_modules(site)
    write_fake_distribution(site)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    env["ADLOOM_CONTRACT_PLUGINS"] = "1"
    completed = subprocess.run(
        [
            sys.executable, "-m", "pytest", "tests/test_tool_contract.py",
            "-q", "-p", "no:cacheprovider", "-m", "", "-k", "hashtags",
        ],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert re.search(r"\b2 passed\b", output), output


@pytest.mark.slow
def test_a_plugin_reaches_the_chat_planner_from_its_module_and_entry_point(tmp_path, monkeypatch, isolated_registry):
    """The page's module plus its entry point, and nothing else: a tool-calling planner is offered the tool,
    calls it in a real chat turn, and reads its result."""
    from scripted_llm import ScriptedToolBackend
    from test_chat_graph import FIRST_MESSAGE, ChatHarness

    site = tmp_path / "site"
    write_modules(site)
    write_fake_distribution(site)
    monkeypatch.syspath_prepend(str(site))
    backend = ScriptedToolBackend({"": ["{}"]}, [
        [("copy__hashtags", {"text": "Trail shoes for muddy trail runs.", "brand": "Stride", "max_tags": 3}),
         ("copy__hashtags", {"max_tags": 3})],
        "Here are hashtags: #Stride #Trail #Shoes. What should the ad say?",
    ])
    state = ChatHarness(tmp_path, backend).say(FIRST_MESSAGE)

    offered = backend.tool_requests[0][1]
    assert offered == ["update_brief", "write_copy", "make_ad", "cut_footage", "copy__hashtags"]
    sent = backend.tool_requests[1][0]
    answers = [json.loads(m["content"]) for m in sent if m["role"] == "tool"]
    assert answers[0]["hashtags"] == ["#Stride", "#Trail", "#Shoes"]
    assert Path(answers[0]["file"]["path"]).is_file()
    assert answers[1]["error"] == "invalid arguments" and "text" in answers[1]["problems"][0]
    assert state.values["messages"][-1]["content"].startswith("Here are hashtags")
