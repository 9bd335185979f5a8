"""The contract every registered tool agent keeps, checked for each one automatically.

The parameter list is computed when this module is collected: every tool that
``load_tools(plugins=False)`` registers through the ``adloom.tools`` entry points of the
adloom distribution. A new built-in tool is covered as soon as its entry point exists.

A plugin author can run the same checks over an installed third-party package with
``ADLOOM_CONTRACT_PLUGINS=1 python -m pytest tests/test_tool_contract.py`` (plugins are
never loaded otherwise, so whatever else is installed cannot change the default run).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from adloom.storage.assets import AssetRef, sha256_file
from adloom.tools.registry import _NAME_PATTERN, ToolRegistrationError, ToolSpec, load_tools

TESTS_DIR = Path(__file__).resolve().parent
INCLUDE_PLUGINS = os.environ.get("ADLOOM_CONTRACT_PLUGINS") == "1"


def _defined_in_tests(spec: ToolSpec) -> bool:
    # Tools that test modules register for themselves are test doubles, not products.
    module_file = getattr(sys.modules.get(spec.module), "__file__", None) or ""
    return bool(module_file) and Path(module_file).resolve().is_relative_to(TESTS_DIR)


def _collect_tools() -> tuple[dict[str, ToolSpec], str | None]:
    try:
        registered = load_tools(plugins=INCLUDE_PLUGINS)
    except ToolRegistrationError as exc:
        # Collection must not crash on a broken entry point; test_tools_load reports it.
        return {}, str(exc)
    return {name: spec for name, spec in sorted(registered.items()) if not _defined_in_tests(spec)}, None


TOOLS, LOAD_ERROR = _collect_tools()


def _asset_refs(value: object) -> list[AssetRef]:
    """Every AssetRef anywhere inside a tool's output (nested models, lists, dicts)."""
    if isinstance(value, AssetRef):
        return [value]
    if isinstance(value, BaseModel):
        return [ref for field in type(value).model_fields for ref in _asset_refs(getattr(value, field))]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _asset_refs(item)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [ref for item in value for ref in _asset_refs(item)]
    return []


def test_tools_load():
    assert LOAD_ERROR is None, f"load_tools failed while collecting the contract test: {LOAD_ERROR}"
    assert TOOLS, "no tool agents registered through the adloom.tools entry points"


@pytest.mark.parametrize("name", list(TOOLS))
def test_declaration(name):
    spec = TOOLS[name]
    assert _NAME_PATTERN.match(spec.name), f"{spec.module}: bad tool name {spec.name!r}"
    assert spec.description.strip(), f"{spec.module}: empty description"
    for model in (spec.input_model, spec.output_model):
        schema = model.model_json_schema()
        assert schema.get("type") == "object", f"{spec.module}: {model.__name__} schema is not an object"
        json.dumps(schema)  # the schema is what a planner or an API shows; it must serialise
    assert spec.example is not None, f"{spec.module}: @tool_agent({name!r}) needs example=..."
    example = spec.example()
    assert isinstance(example, spec.input_model), (
        f"{spec.module}: example() returned {type(example).__name__}, not {spec.input_model.__name__}"
    )
    spec.input_model.model_validate(example.model_dump())


# Slow as a whole: running an example loads the tool's real model (MiniLM alone takes
# over 10 s on the shared CPUs). The declaration checks above stay fast.
def _context_for(name: str, tool_context, tmp_path):
    """Tools whose backend is off by default (GPU models) run their example on tiny random-weight models."""
    from dataclasses import replace

    from tiny_diffusion import build_cogvideox, build_stable_diffusion

    from adloom.tools.config import ImageSettings, VideoSettings

    if name == "image.generate":
        section = {"image": ImageSettings(backend="diffusers", model=str(build_stable_diffusion(tmp_path / "sd")), steps=2)}
    elif name == "video.generate":
        section = {"video": VideoSettings(backend="cogvideox", model=str(build_cogvideox(tmp_path / "cog")), steps=2)}
    else:
        return tool_context
    return replace(tool_context, settings=tool_context.settings.model_copy(update=section))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TOOLS))
def test_runs_on_its_example(name, tool_context, tmp_path):
    spec = TOOLS[name]
    if spec.example is None:
        pytest.fail(f"{spec.module}: @tool_agent({name!r}) needs example=... to be run here")
    result = spec.run(spec.example(), _context_for(name, tool_context, tmp_path))
    assert isinstance(result, spec.output_model)
    # The output travels in the graph state and the manifest: it must be plain JSON.
    json.loads(result.model_dump_json())
    for ref in _asset_refs(result):
        path = Path(ref.path)
        assert path.is_file(), f"{name}: output references a missing file {path}"
        assert sha256_file(path) == ref.sha256, f"{name}: {path} does not match its sha256"


def test_asset_refs_are_found_anywhere_in_an_output():
    """The walker the run check relies on finds nested references, so none escape it."""

    def ref(sha: str) -> AssetRef:
        return AssetRef(path=f"/nowhere/{sha}", sha256=sha, kind="other", tool="t")

    class Inner(BaseModel):
        refs: list[AssetRef]
        by_name: dict[str, AssetRef]

    class Outer(BaseModel):
        top: AssetRef
        inner: Inner
        optional: AssetRef | None = None
        label: str = "not a ref"

    output = Outer(top=ref("a"), inner=Inner(refs=[ref("b"), ref("c")], by_name={"x": ref("d")}))
    assert [r.sha256 for r in _asset_refs(output)] == ["a", "b", "c", "d"]
