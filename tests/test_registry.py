"""Registration validates a tool agent when its module is imported; running it validates I/O."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel

import adloom.tools.registry as registry
from adloom.tools.context import ToolContext
from adloom.tools.registry import ToolInputError, ToolRegistrationError, get_tool, tool_agent

_HEADER = """\
from pydantic import BaseModel
from adloom.tools.context import ToolContext
from adloom.tools.registry import tool_agent


class Words(BaseModel):
    text: str


class Count(BaseModel):
    words: int
"""


@pytest.fixture
def clean_registry():
    """Restore the registry afterwards so test tools never leak into other tests."""
    saved = dict(registry._REGISTRY)
    yield registry._REGISTRY
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


@pytest.fixture
def import_tool_module(tmp_path: Path, monkeypatch, clean_registry):
    """Write a module into a folder on sys.path and import it, as a plugin would be."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written: list[str] = []

    def write_and_import(name: str, body: str):
        (tmp_path / f"{name}.py").write_text(_HEADER + textwrap.dedent(body), "utf-8")
        written.append(name)
        importlib.invalidate_caches()
        return importlib.import_module(name)

    yield write_and_import
    for name in written:
        sys.modules.pop(name, None)


def test_valid_module_registers_on_import(import_tool_module):
    module = import_tool_module(
        "reg_ok_tool",
        '''
        @tool_agent("test.count_words", example=lambda: Words(text="a b"))
        def count_words(request: Words, ctx: ToolContext) -> Count:
            """Count words.

            More detail that is not part of the one-line description.
            """
            return Count(words=len(request.text.split()))
        ''',
    )
    spec = get_tool("test.count_words")
    assert spec.module == "reg_ok_tool"
    assert spec.function is module.count_words
    assert spec.description == "Count words."
    assert spec.input_model is module.Words and spec.output_model is module.Count
    assert spec.example().text == "a b"


def test_duplicate_name_names_both_modules(import_tool_module):
    body = '''
        @tool_agent("test.dup")
        def count_words(request: Words, ctx: ToolContext) -> Count:
            """Count words."""
            return Count(words=0)
        '''
    import_tool_module("reg_dup_first", body)
    with pytest.raises(ToolRegistrationError, match=r"reg_dup_second\.count_words: tool name 'test\.dup' is already registered by reg_dup_first"):
        import_tool_module("reg_dup_second", body)
    assert "reg_dup_second" not in sys.modules  # a failed import leaves no half module


@pytest.mark.parametrize(
    ("case", "body", "message"),
    [
        (
            "no_docstring",
            '''
            @tool_agent("test.nodoc")
            def count_words(request: Words, ctx: ToolContext) -> Count:
                return Count(words=0)
            ''',
            r"reg_no_docstring\.count_words: a tool agent needs a docstring",
        ),
        (
            "plain_input",
            '''
            @tool_agent("test.plain_input")
            def count_words(request: dict, ctx: ToolContext) -> Count:
                """Count words."""
                return Count(words=0)
            ''',
            r"reg_plain_input\.count_words: first parameter must be annotated with a Pydantic model",
        ),
        (
            "wrong_context",
            '''
            @tool_agent("test.wrong_ctx")
            def count_words(request: Words, ctx: dict) -> Count:
                """Count words."""
                return Count(words=0)
            ''',
            r"second parameter must be annotated 'ToolContext'",
        ),
        (
            "three_params",
            '''
            @tool_agent("test.three")
            def count_words(request: Words, ctx: ToolContext, extra: int) -> Count:
                """Count words."""
                return Count(words=0)
            ''',
            r"takes exactly \(request: <InputModel>, ctx: ToolContext\)",
        ),
        (
            "plain_return",
            '''
            @tool_agent("test.plain_return")
            def count_words(request: Words, ctx: ToolContext) -> int:
                """Count words."""
                return 0
            ''',
            r"return annotation must be a Pydantic model",
        ),
        (
            "no_return",
            '''
            @tool_agent("test.no_return")
            def count_words(request: Words, ctx: ToolContext):
                """Count words."""
                return Count(words=0)
            ''',
            r"return annotation must be a Pydantic model",
        ),
        (
            "bad_name",
            '''
            @tool_agent("Count-Words")
            def count_words(request: Words, ctx: ToolContext) -> Count:
                """Count words."""
                return Count(words=0)
            ''',
            r"tool name 'Count-Words' must be lower-case",
        ),
        (
            "unresolvable_hint",
            '''
            @tool_agent("test.unresolved")
            def count_words(request: "NoSuchModel", ctx: ToolContext) -> Count:
                """Count words."""
                return Count(words=0)
            ''',
            r"cannot resolve type hints",
        ),
    ],
)
def test_invalid_declaration_fails_at_import(import_tool_module, clean_registry, case, body, message):
    before = set(clean_registry)
    with pytest.raises(ToolRegistrationError, match=message):
        import_tool_module(f"reg_{case}", body)
    assert set(clean_registry) == before


@pytest.mark.parametrize("name", ["probe.generate", "p", "probe.hashtags_v2", "p1.y_2.z"])
def test_good_names_are_accepted(clean_registry, name):
    class In(BaseModel):
        value: int

    class Out(BaseModel):
        value: int

    def echo(request: In, ctx: ToolContext) -> Out:
        """Echo."""
        return Out(value=request.value)

    # The models are local classes, so give the hints as objects rather than the strings
    # that ``from __future__ import annotations`` would leave unresolvable.
    echo.__annotations__ = {"request": In, "ctx": ToolContext, "return": Out}
    tool_agent(name)(echo)
    assert get_tool(name).function is echo


@pytest.mark.parametrize("name", ["", "LLM", "llm.", ".llm", "llm..generate", "1llm", "llm-generate", "llm.Generate"])
def test_bad_names_are_rejected(clean_registry, name):
    with pytest.raises(ToolRegistrationError, match="must be lower-case"):
        tool_agent(name)(lambda request, ctx: None)


def test_reimporting_the_same_function_is_not_a_duplicate(import_tool_module):
    module = import_tool_module(
        "reg_same_twice",
        '''
        @tool_agent("test.same")
        def count_words(request: Words, ctx: ToolContext) -> Count:
            """Count words."""
            return Count(words=0)
        ''',
    )
    # Applying the decorator again to the very same function (e.g. a module imported
    # through two entry points) is idempotent.
    tool_agent("test.same")(module.count_words)
    assert get_tool("test.same").function is module.count_words


def test_run_validates_input_and_output(import_tool_module, tool_context):
    module = import_tool_module(
        "reg_run_tool",
        '''
        @tool_agent("test.run_words")
        def count_words(request: Words, ctx: ToolContext) -> Count:
            """Count words; the text 'liar' makes it return the wrong type."""
            if request.text == "liar":
                return Words(text="not a count")
            return Count(words=len(request.text.split()))
        ''',
    )
    spec = get_tool("test.run_words")
    assert spec.run({"text": "one two three"}, tool_context) == module.Count(words=3)
    assert spec.run(module.Words(text="one"), tool_context) == module.Count(words=1)
    with pytest.raises(ToolInputError, match=r"(?s)tool 'test\.run_words': invalid input.*text.*Field required"):
        spec.run({"txt": "typo"}, tool_context)
    with pytest.raises(ToolInputError, match="invalid input"):
        spec.run({"text": 42}, tool_context)
    with pytest.raises(TypeError, match=r"tool 'test\.run_words' returned Words, not its declared Count"):
        spec.run({"text": "liar"}, tool_context)


def test_unknown_tool_lists_registered_names(import_tool_module):
    import_tool_module(
        "reg_listed_tool",
        '''
        @tool_agent("test.listed")
        def count_words(request: Words, ctx: ToolContext) -> Count:
            """Count words."""
            return Count(words=0)
        ''',
    )
    with pytest.raises(KeyError, match=r"no tool agent named 'test\.missing'; registered: .*test\.listed"):
        get_tool("test.missing")


def test_a_tool_handle_carries_the_registered_name_and_types_and_calls_through_the_registry(
        import_tool_module, tool_context):
    module = import_tool_module(
        "reg_handle_tool",
        '''
        from adloom.tools.registry import tool_handle

        @tool_agent("test.handled")
        def count_words(request: Words, ctx: ToolContext) -> Count:
            """Count words."""
            return Count(words=len(request.text.split()))

        COUNT_WORDS = tool_handle(count_words)

        def not_a_tool(request: Words, ctx: ToolContext) -> Count:
            return Count(words=0)
        ''',
    )
    handle = module.COUNT_WORDS
    assert (handle.name, handle.request, handle.result) == ("test.handled", module.Words, module.Count)
    assert handle(module.Words(text="one two"), tool_context) == module.Count(words=2)
    with pytest.raises(ToolRegistrationError, match=r"reg_handle_tool\.not_a_tool is not a registered tool agent"):
        registry.tool_handle(module.not_a_tool)


def test_agents_call_tools_through_the_handles_the_tool_modules_export():
    from adloom.agents import animator, art_director, assembly, captioner, voice_director
    from adloom.tools.registry import ToolHandle, load_tools

    tools = load_tools(plugins=False)
    handles = [value for agent in (animator, art_director, assembly, captioner, voice_director)
               for value in vars(agent).values() if isinstance(value, ToolHandle)]
    assert {handle.name for handle in handles} == {
        "image.render", "image.generate", "video.animate", "video.generate", "tts.voiceover", "subtitles.build",
        "editor.assemble"}
    for handle in handles:
        assert (handle.request, handle.result) == (tools[handle.name].input_model, tools[handle.name].output_model)
