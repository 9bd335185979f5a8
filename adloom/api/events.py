"""Event streams kept in memory for Server-Sent Events: one per chat thread or footage run.

A stream is keyed by its thread id or run id (both UUIDs). Events get consecutive numbers
per stream. A client that starts a turn (or a run) is told the number its events start
after, and reads ``/events?after=N`` until the ``done`` event, so it never misses the
first events of its own turn.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

KEEPALIVE_SECONDS = 15.0
MAX_EVENTS_PER_THREAD = 5000


class ThreadEvents:
    """Append-only event lists per thread (or run) id, with waiting readers."""

    def __init__(self) -> None:
        self._events: dict[str, list[dict]] = {}
        self._offsets: dict[str, int] = {}  # numbers of events dropped from the front
        self._changed = threading.Condition()

    def count(self, thread_id: str) -> int:
        with self._changed:
            return self._offsets.get(thread_id, 0) + len(self._events.get(thread_id, []))

    def publish(self, thread_id: str, event: dict) -> None:
        with self._changed:
            events = self._events.setdefault(thread_id, [])
            events.append(event)
            if len(events) > MAX_EVENTS_PER_THREAD:  # progress floods: keep the newest
                drop = len(events) - MAX_EVENTS_PER_THREAD
                del events[:drop]
                self._offsets[thread_id] = self._offsets.get(thread_id, 0) + drop
            self._changed.notify_all()

    def sink(self, thread_id: str):
        return lambda event: self.publish(thread_id, event)

    def follow(self, thread_id: str, after: int) -> Iterator[tuple[int, dict] | None]:
        """Events numbered above ``after``, waiting for new ones; ``None`` is a keep-alive tick.

        Ends after a ``done`` event.
        """
        position = after
        while True:
            with self._changed:
                offset = self._offsets.get(thread_id, 0)
                events = self._events.get(thread_id, [])
                start = max(position, offset)
                fresh = events[start - offset:]
                if not fresh:
                    self._changed.wait(KEEPALIVE_SECONDS)
                    offset = self._offsets.get(thread_id, 0)
                    events = self._events.get(thread_id, [])
                    fresh = events[max(position, offset) - offset:]
                    start = max(position, offset)
            if not fresh:
                yield None
                continue
            for index, event in enumerate(fresh, start=start + 1):
                position = index
                yield index, event
                if event.get("type") == "done":
                    return


def sse_lines(items: Iterator[tuple[int, dict] | None]) -> Iterator[str]:
    """Server-Sent Events text for followed events (a comment line as keep-alive)."""
    yield "retry: 2000\n\n"
    for item in items:
        if item is None:
            yield ": keep-alive\n\n"
            continue
        number, event = item
        yield f"id: {number}\nevent: {event.get('type', 'message')}\ndata: {json.dumps(event)}\n\n"
