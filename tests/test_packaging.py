"""adloom's wheel: one top-level name, layers that point one way, no import cycles.

The wheel is built from this checkout (no network: the build uses this environment's
setuptools) and installed into a fresh virtual environment that sees this environment's
packages only as dependencies. ``openai-agents`` (the ``test`` extra), whose import name is
``agents``, is one of them: both must import, each as itself.

The layers and cycles are checked on the wheel's files as installed (``adloom/tools/...``),
since the checkout keeps ``tools/`` and the rest at the top: import-linter with the
contracts in ``pyproject.toml``, and grimp's import graph for cycles.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

IMPORT_BOTH = r"""
import json, sys
from importlib import resources
import agents
import adloom.agents.brief
from adloom.tools.registry import load_tools

print(json.dumps({
    "openai_agents": agents.__file__,
    "has_agent_and_runner": hasattr(agents, "Agent") and hasattr(agents, "Runner"),
    "adloom_brief": adloom.agents.brief.__file__,
    "tools": sorted(load_tools(plugins=False)),
    "prompts": sorted(p.name for p in resources.files("adloom.prompts").iterdir() if p.name.endswith(".md")),
    "page": resources.files("adloom.api").joinpath("static", "index.html").is_file(),
    "migrations": sorted(p.name for p in resources.files("adloom.storage").joinpath("migrations", "versions").iterdir()
                         if p.name.endswith(".py")),
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out),
                    str(REPO_ROOT)], check=True, capture_output=True, text=True, timeout=600)
    (built,) = out.glob("adloom-*.whl")
    return built


def test_the_wheel_adds_only_adloom_to_site_packages(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert top_level == {"adloom", "adloom-0.1.0.dist-info"}
    for folder in ("agents", "tools", "graphs", "storage", "prompts", "evals"):
        assert f"adloom/{folder}/__init__.py" in names
    assert "adloom/tools/llm/backends.py" in names
    assert "adloom/agents/grounding_data/copy_patterns.yaml" in names
    entry_points = zipfile.ZipFile(wheel).read("adloom-0.1.0.dist-info/entry_points.txt").decode()
    assert "llm = adloom.tools.llm.tool" in entry_points


@pytest.fixture(scope="module")
def unpacked(wheel, tmp_path_factory) -> Path:
    """The wheel's files as site-packages would hold them."""
    site = tmp_path_factory.mktemp("site")
    zipfile.ZipFile(wheel).extractall(site)
    return site


def lint_imports(site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--config", str(REPO_ROOT / "pyproject.toml"),
         "--no-cache", "--no-logo"],
        cwd=site, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=300,
    )


def test_the_layers_point_one_way(unpacked, tmp_path):
    kept = lint_imports(unpacked)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "Contracts: 1 kept, 0 broken." in kept.stdout
    # The contract bites: a tool that imports an agent breaks it, and the report names the import.
    broken_site = tmp_path / "site"
    shutil.copytree(unpacked, broken_site)
    (broken_site / "adloom" / "tools" / "upward.py").write_text("import adloom.agents.brief\n", "utf-8")
    broken = lint_imports(broken_site)
    assert broken.returncode == 1
    assert "adloom.tools.upward -> adloom.agents.brief" in broken.stdout


FIND_CYCLES = r"""
import json
import grimp, networkx
graph = grimp.build_graph("adloom", cache_dir=None)
edges = networkx.DiGraph(
    (module, imported) for module in graph.modules for imported in graph.find_modules_directly_imported_by(module)
)
cycles = [sorted(group) for group in networkx.strongly_connected_components(edges) if len(group) > 1]
print(json.dumps({"modules": len(graph.modules), "cycles": cycles}))
"""


def test_no_module_imports_itself_through_others(unpacked):
    found = subprocess.run([sys.executable, "-c", FIND_CYCLES], cwd=unpacked, env={"PYTHONPATH": str(unpacked)},
                           capture_output=True, text=True, timeout=300)
    assert found.returncode == 0, found.stderr
    graph = json.loads(found.stdout)
    assert graph["modules"] > 150  # the whole package, not the checkout's adloom/ folder alone
    assert graph["cycles"] == []


@pytest.mark.slow
def test_the_wheel_installs_and_imports_beside_openai_agents(wheel, tmp_path):
    pytest.importorskip("agents", reason="openai-agents is in the 'test' extra (make test installs it)")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, text=True, timeout=300)
    fresh_site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                     check=True, capture_output=True, text=True).stdout.strip())
    # The dependencies (openai-agents among them) come from this environment, after the fresh one's own packages.
    (fresh_site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", "utf-8")

    shown = subprocess.run([str(python), "-c", IMPORT_BOTH], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout.strip().splitlines()[-1])
    assert Path(found["openai_agents"]).parent.parent == Path(sysconfig.get_paths()["purelib"])
    assert found["has_agent_and_runner"]
    assert Path(found["adloom_brief"]).is_relative_to(fresh_site)
    assert found["tools"] == ["asr.transcribe", "editor.assemble", "image.generate", "image.render", "llm.generate",
                              "scenes.detect", "scrape.crawl", "subtitles.build", "text.similarity", "tts.voiceover",
                              "video.animate", "video.generate"]
    assert "plan_campaign.md" in found["prompts"] and found["page"]
    assert found["migrations"][0].startswith("0001_")

    cli = subprocess.run([str(venv / "bin" / "adloom"), "--help"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert "run" in cli.stdout
