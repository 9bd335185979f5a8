"""The graphs' shapes against their reviewed mermaid drawings in ``tests/graph_snapshots/``."""

from __future__ import annotations

import os
from pathlib import Path

from langgraph.graph import StateGraph

SNAPSHOTS = Path(__file__).parent / "graph_snapshots"


def assert_graph_matches_snapshot(graph: StateGraph, name: str, test_file: str) -> None:
    """``graph`` drawn as mermaid equals ``graph_snapshots/<name>.mmd``.

    With ``ADLOOM_UPDATE_SNAPSHOTS=1`` the drawing is written instead, for review in the diff.
    """
    snapshot = SNAPSHOTS / f"{name}.mmd"
    drawn = graph.compile().get_graph().draw_mermaid()
    if os.environ.get("ADLOOM_UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(drawn, encoding="utf-8")
    assert drawn == snapshot.read_text(encoding="utf-8"), (
        f"the {name} graph's nodes or edges changed. If that is intended, regenerate {snapshot} with\n"
        f"  ADLOOM_UPDATE_SNAPSHOTS=1 python -m pytest {test_file} -k snapshot\n"
        "and review the diff.\nNow drawn:\n" + drawn
    )
