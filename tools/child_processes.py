"""Child processes (ffmpeg, the crawler) that end when adloom ends, however it ends.

A ``SIGKILL`` to adloom runs no Python cleanup, so a child started with a plain ``Popen``
keeps encoding into a scratch file nobody will read. On Linux each child asks the kernel,
between fork and exec, for ``SIGKILL`` when its parent dies (``PR_SET_PDEATHSIG``); the
parent here is the thread that started it, which waits for it, so the signal comes only
when adloom itself is gone. Elsewhere the child gets its own session, so at least a
terminal's Ctrl-C to adloom does not reach it twice.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Any

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent(parent_pid: int) -> None:
    """Runs in the child between fork and exec."""
    assert _libc is not None
    if _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        os._exit(126)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(126)


def child_process_options() -> dict[str, Any]:
    """Keyword arguments for ``subprocess.Popen``/``run`` that tie the child's life to this process."""
    if _libc is None:
        return {"start_new_session": True}
    parent_pid = os.getpid()
    return {"preexec_fn": lambda: _die_with_parent(parent_pid)}
