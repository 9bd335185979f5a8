"""The registry of tool agents.

A tool agent is one module with one decorated function::

    @tool_agent("hashtags", example=lambda: HashtagRequest(text="Trail shoes"))
    def suggest_hashtags(request: HashtagRequest, ctx: ToolContext) -> HashtagResult:
        \"\"\"Suggest hashtags for a piece of copy.\"\"\"

The decorator validates the declaration at import time (unique name, a docstring, a
Pydantic input model as first parameter, a :class:`ToolContext` second, a Pydantic
output model as return annotation) and raises :class:`ToolRegistrationError` naming the
module and the problem. Built-in tools and third-party plugins are both found through
the ``adloom.tools`` entry-point group; :func:`load_tools` imports them.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from adloom.tools.context import ToolContext

ENTRY_POINT_GROUP = "adloom.tools"
BUILTIN_DISTRIBUTION = "adloom"
_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


class ToolRegistrationError(TypeError):
    """A tool agent's declaration is invalid; raised when its module is imported."""


class ToolInputError(ValueError):
    """A tool was called with input that does not match its input model."""


@dataclass(frozen=True)
class ToolSpec:
    """One registered tool agent."""

    name: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    function: Callable[[BaseModel, ToolContext], BaseModel]
    module: str
    example: Callable[[], BaseModel] | None = None
    planner: bool = False
    """Offered to the chat planner: a tool-calling LLM may call it in conversation."""

    def run(self, request: BaseModel | dict, ctx: ToolContext) -> BaseModel:
        """Validate ``request``, call the tool, and check that it returned its output model."""
        try:
            parsed = self.input_model.model_validate(
                request.model_dump() if isinstance(request, BaseModel) else request
            )
        except ValidationError as exc:
            raise ToolInputError(f"tool {self.name!r}: invalid input: {exc}") from exc
        result = self.function(parsed, ctx)
        if not isinstance(result, self.output_model):
            raise TypeError(
                f"tool {self.name!r} returned {type(result).__name__}, "
                f"not its declared {self.output_model.__name__}"
            )
        return result


_REGISTRY: dict[str, ToolSpec] = {}

RequestT = TypeVar("RequestT", bound=BaseModel)
ResultT = TypeVar("ResultT", bound=BaseModel)


@dataclass(frozen=True)
class ToolHandle(Generic[RequestT, ResultT]):
    """How an agent calls a tool: its registered name with its request and result types.

    Each tool module exports the handle of its tool (``ANIMATE = tool_handle(animate)``), so
    agents import the name and the types from the tool instead of writing them again. A call
    goes through the registry, like every other call of the tool.
    """

    name: str
    request: type[RequestT]
    result: type[ResultT]

    def __call__(self, request: RequestT, ctx: ToolContext) -> ResultT:
        result = get_tool(self.name).run(request, ctx)
        if not isinstance(result, self.result):
            raise TypeError(f"tool {self.name!r} returned {type(result).__name__}, expected {self.result.__name__}")
        return result


def tool_handle(function: Callable[[RequestT, ToolContext], ResultT]) -> ToolHandle[RequestT, ResultT]:
    """The handle of a function registered with :func:`tool_agent`.

    Raises:
        ToolRegistrationError: ``function`` is not a registered tool agent.
    """
    spec = next((spec for spec in _REGISTRY.values() if spec.function is function), None)
    if spec is None:
        raise ToolRegistrationError(f"{function.__module__}.{function.__qualname__} is not a registered tool agent")
    return ToolHandle(spec.name, spec.input_model, spec.output_model)  # type: ignore[arg-type]


def _is_model(annotation: object) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, BaseModel)


def tool_agent(
    name: str, *, example: Callable[[], BaseModel] | None = None, planner: bool = False
) -> Callable[[Callable], Callable]:
    """Register the decorated function as the tool agent ``name``.

    Args:
        name: unique dotted lower-case name, e.g. ``"llm.generate"``.
        example: builds a small valid input; the contract test runs the tool on it.
        planner: offer the tool to the chat planner, which (with a tool-calling LLM) may call
            it with its input model's JSON schema as arguments and read its output.
    """

    def register(function: Callable) -> Callable:
        where = f"{function.__module__}.{function.__qualname__}"
        if not _NAME_PATTERN.match(name):
            raise ToolRegistrationError(
                f"{where}: tool name {name!r} must be lower-case words joined by '.' or '_'"
            )
        if name in _REGISTRY and _REGISTRY[name].function is not function:
            raise ToolRegistrationError(
                f"{where}: tool name {name!r} is already registered by {_REGISTRY[name].module}"
            )
        doc = inspect.getdoc(function)
        if not doc:
            raise ToolRegistrationError(f"{where}: a tool agent needs a docstring saying what it does")
        try:
            hints = typing.get_type_hints(function)
        except Exception as exc:  # unresolved annotations are a declaration error
            raise ToolRegistrationError(f"{where}: cannot resolve type hints: {exc}") from exc
        params = list(inspect.signature(function).parameters)
        if len(params) != 2:
            raise ToolRegistrationError(
                f"{where}: a tool agent takes exactly (request: <InputModel>, ctx: ToolContext)"
            )
        input_model = hints.get(params[0])
        output_model = hints.get("return")
        if not _is_model(input_model):
            raise ToolRegistrationError(f"{where}: first parameter must be annotated with a Pydantic model")
        if hints.get(params[1]) is not ToolContext:
            raise ToolRegistrationError(f"{where}: second parameter must be annotated 'ToolContext'")
        if not _is_model(output_model):
            raise ToolRegistrationError(f"{where}: return annotation must be a Pydantic model")
        _REGISTRY[name] = ToolSpec(
            name=name,
            description=doc.splitlines()[0],
            input_model=input_model,
            output_model=output_model,
            function=function,
            module=function.__module__,
            example=example,
            planner=planner,
        )
        return function

    return register


def load_tools(*, plugins: bool = True) -> dict[str, ToolSpec]:
    """Import every module named in the ``adloom.tools`` entry-point group.

    Args:
        plugins: also load entry points of other distributions (third-party plugins).
            Tests pass ``False`` so that whatever else is installed cannot change them.
    """
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        dist = entry.dist.name if entry.dist is not None else ""
        if not plugins and dist.lower() != BUILTIN_DISTRIBUTION:
            continue
        try:
            importlib.import_module(entry.value.split(":")[0])
        except ToolRegistrationError:
            raise
        except ImportError as exc:
            raise ToolRegistrationError(
                f"entry point {entry.name!r} ({entry.value}) of {dist or 'unknown package'} "
                f"could not be imported: {exc}"
            ) from exc
    return dict(_REGISTRY)


def get_tool(name: str) -> ToolSpec:
    """The registered tool ``name``; a KeyError lists the names that exist."""
    if name not in _REGISTRY:
        load_tools()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"no tool agent named {name!r}; registered: {known}") from None


def registered_tools() -> dict[str, ToolSpec]:
    """A snapshot of the tools registered so far."""
    return dict(_REGISTRY)
