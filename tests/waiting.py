"""Waiting for something to happen, instead of sleeping a fixed time and hoping it has."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], *, timeout_s: float, what: str, interval_s: float = 0.05) -> T:
    """Poll ``condition`` until it returns something truthy, and return that.

    Raises:
        AssertionError: ``timeout_s`` passed first; the message says ``what`` did not happen.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s:g} s")
        time.sleep(interval_s)
