"""A tiny real OpenAI-compatible HTTP server on 127.0.0.1 with scripted replies.

It implements ``POST /v1/chat/completions`` (non-streaming) and records every request
body, so tests can run the real OpenAI/LangChain client against it::

    with FakeOpenAIServer([reply_text("not json"), reply_text('{"a": 1}')]) as server:
        backend = OpenAICompatibleBackend(model="fake", base_url=server.base_url)
        ...
        server.requests[1]["messages"]

Replies are used in order; the last one repeats once the script runs out. A reply can
also be tool calls (:func:`reply_tool_calls`), answered the way the Chat Completions API
does (``finish_reason: tool_calls``, arguments as a JSON string).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ScriptedReply:
    """One scripted answer: a chat completion (status 200) or an error status."""

    status: int = 200
    content: str = ""
    error_message: str = ""
    error_type: str = "invalid_request_error"
    tool_calls: tuple[tuple[str, str], ...] = ()  # (name, arguments as sent: a JSON string)


def reply_text(content: str) -> ScriptedReply:
    """A successful completion whose assistant message is ``content``."""
    return ScriptedReply(content=content)


def reply_tool_calls(*calls: tuple[str, dict[str, Any] | str], content: str = "") -> ScriptedReply:
    """A completion that calls tools: ``(name, arguments)`` pairs; a str is sent as is (to send bad JSON)."""
    encoded = tuple((name, args if isinstance(args, str) else json.dumps(args)) for name, args in calls)
    return ScriptedReply(content=content, tool_calls=encoded)


def reply_error(status: int, message: str, error_type: str = "invalid_request_error") -> ScriptedReply:
    """An OpenAI-style error response with HTTP ``status``."""
    return ScriptedReply(status=status, error_message=message, error_type=error_type)


@dataclass
class _Script:
    replies: list[ScriptedReply]
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, body: dict[str, Any], headers: dict[str, str]) -> ScriptedReply:
        with self.lock:
            self.requests.append(body)
            self.headers.append(headers)
            index = min(len(self.requests) - 1, len(self.replies) - 1)
            return self.replies[index]


def _completion_body(reply: ScriptedReply, request: dict[str, Any], number: int) -> dict[str, Any]:
    prompt_words = sum(len(str(message.get("content", "")).split()) for message in request.get("messages", []))
    return {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": 1700000000 + number,
        "model": request.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": _message(reply, number),
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                "logprobs": None,
            }
        ],
        # Word counts stand in for token counts: enough to check they are passed through.
        "usage": {
            "prompt_tokens": prompt_words,
            "completion_tokens": len(reply.content.split()),
            "total_tokens": prompt_words + len(reply.content.split()),
        },
    }


def _message(reply: ScriptedReply, number: int) -> dict[str, Any]:
    if not reply.tool_calls:
        return {"role": "assistant", "content": reply.content}
    return {"role": "assistant", "content": reply.content or None, "tool_calls": [
        {"id": f"call_{number}_{i}", "type": "function", "function": {"name": name, "arguments": arguments}}
        for i, (name, arguments) in enumerate(reply.tool_calls)
    ]}


def _handler_for(script: _Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            body = json.loads(raw or b"{}")
            reply = script.next_reply(body, {key.lower(): value for key, value in self.headers.items()})
            if reply.status != 200:
                self._send(reply.status, {"error": {"message": reply.error_message, "type": reply.error_type,
                                                    "code": None, "param": None}})
                return
            self._send(200, _completion_body(reply, body, len(script.requests)))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Keep test output clean."""

    return Handler


class FakeOpenAIServer:
    """A scripted ``/v1/chat/completions`` server on a free loopback port, run in a thread."""

    def __init__(self, replies: list[ScriptedReply]):
        if not replies:
            raise ValueError("FakeOpenAIServer needs at least one scripted reply")
        self._script = _Script(list(replies))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self._script))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The JSON bodies received, in order."""
        return list(self._script.requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        """The headers received (lower-case names), in order."""
        return list(self._script.headers)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
