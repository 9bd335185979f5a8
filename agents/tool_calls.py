"""Calling a registered tool agent from an agent, with its declared output type.

Agents reach tools through the registry (so a plugin that replaces a tool is used), but
want the concrete result model back for type checking; :func:`call_tool` gives both.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from adloom.tools.context import ToolContext
from adloom.tools.registry import get_tool

ResultT = TypeVar("ResultT", bound=BaseModel)


def call_tool(name: str, request: BaseModel, ctx: ToolContext, result_type: type[ResultT]) -> ResultT:
    """Run the registered tool ``name`` and return its result as ``result_type``.

    Raises:
        TypeError: the tool registered under ``name`` returns another model than expected.
    """
    result = get_tool(name).run(request, ctx)
    if not isinstance(result, result_type):
        raise TypeError(f"tool {name!r} returned {type(result).__name__}, expected {result_type.__name__}")
    return result
