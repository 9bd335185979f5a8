"""Tool calls through the OpenAI-compatible backend: the real ChatOpenAI client against a
scripted Chat Completions server on 127.0.0.1, so the wire format is the real one."""

from __future__ import annotations

import json

import pytest

from fake_openai_server import FakeOpenAIServer, reply_text, reply_tool_calls
from adloom.tools.config import LLMSettings
from adloom.tools.llm import ToolCallingBackend, FunctionSpec, calls_tools
from adloom.tools.llm.backend import check_tool_messages
from adloom.tools.llm.embedded import EmbeddedBackend
from adloom.tools.llm.openai_compatible import OpenAICompatibleBackend

UPDATE_BRIEF = FunctionSpec(
    name="update_brief",
    description="Record what the marketer said about the brief.",
    parameters={"type": "object", "properties": {"product_name": {"type": "string"}}, "required": []},
)
MAKE_AD = FunctionSpec(name="make_ad", description="Make the ad.", parameters={"type": "object", "properties": {}})


def test_tool_calls_are_sent_and_parsed():
    with FakeOpenAIServer([reply_tool_calls(("update_brief", {"product_name": "Stride 2"}), ("make_ad", {}))]) as server:
        backend = OpenAICompatibleBackend(model="fake", base_url=server.base_url)
        reply = backend.call_tools([{"role": "user", "content": "An ad for the Stride 2"}], [UPDATE_BRIEF, MAKE_AD])
        body = server.requests[0]
    assert [t["function"]["name"] for t in body["tools"]] == ["update_brief", "make_ad"]
    assert body["tools"][0]["function"]["parameters"] == UPDATE_BRIEF.parameters
    assert [(c.name, c.arguments, c.problem) for c in reply.tool_calls] == [
        ("update_brief", {"product_name": "Stride 2"}, ""), ("make_ad", {}, "")]
    assert reply.tool_calls[0].id != reply.tool_calls[1].id
    assert reply.prompt_tokens > 0


def test_a_transcript_with_tool_results_goes_out_in_the_api_format():
    transcript = [
        {"role": "system", "content": "You plan ads."},
        {"role": "user", "content": "An ad for the Stride 2"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_a", "name": "update_brief", "arguments": {"product_name": "Stride 2"}}]},
        {"role": "tool", "tool_call_id": "call_a", "content": json.dumps({"missing": ["audience"]})},
    ]
    with FakeOpenAIServer([reply_text("Who is the ad for?")]) as server:
        backend = OpenAICompatibleBackend(model="fake", base_url=server.base_url)
        reply = backend.call_tools(transcript, [UPDATE_BRIEF], temperature=0.0, seed=3)
        sent = server.requests[0]
    assert reply.text == "Who is the ad for?" and reply.tool_calls == ()
    assert [m["role"] for m in sent["messages"]] == ["system", "user", "assistant", "tool"]
    call = sent["messages"][2]["tool_calls"][0]
    assert call["id"] == "call_a" and call["function"]["name"] == "update_brief"
    assert json.loads(call["function"]["arguments"]) == {"product_name": "Stride 2"}
    assert sent["messages"][3]["tool_call_id"] == "call_a"
    assert sent["seed"] == 3 and sent["temperature"] == 0.0


def test_arguments_that_are_not_json_come_back_as_a_problem_not_a_crash():
    with FakeOpenAIServer([reply_tool_calls(("update_brief", '{"product_name": "Str'))]) as server:
        backend = OpenAICompatibleBackend(model="fake", base_url=server.base_url)
        reply = backend.call_tools([{"role": "user", "content": "hi"}], [UPDATE_BRIEF])
    (call,) = reply.tool_calls
    assert call.name == "update_brief" and call.arguments == {}
    assert "not valid JSON" in call.problem


def test_malformed_transcripts_are_refused_before_any_request():
    with pytest.raises(ValueError, match=r"messages\[1\]: a tool result needs the 'tool_call_id'"):
        check_tool_messages([{"role": "user", "content": "hi"}, {"role": "tool", "content": "{}"}])
    with pytest.raises(ValueError, match=r"messages\[0\]\.role"):
        check_tool_messages([{"role": "function", "content": "hi"}])
    with pytest.raises(ValueError, match="each call needs"):
        check_tool_messages([{"role": "assistant", "content": "", "tool_calls": [{"name": "make_ad"}]}])


def test_only_tool_capable_backends_with_the_setting_on_drive_the_planner_by_tools():
    backend = OpenAICompatibleBackend(model="fake", base_url="http://127.0.0.1:9/v1")
    assert isinstance(backend, ToolCallingBackend)
    assert calls_tools(backend, LLMSettings(backend="openai", model="fake"))
    assert not calls_tools(backend, LLMSettings(backend="openai", model="fake", tool_calls=False))
    assert not hasattr(EmbeddedBackend, "call_tools")  # the embedded model takes the schema-constrained path
