"""Near-duplicate titles across sources (the same story in two feeds), by MiniLM embedding."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from adloom.tools.context import ResidentModels
from adloom.tools.embeddings.tool import embed_texts
from adloom.tools.scrape.items import ScrapedItem

NEAR_DUPLICATE_SIMILARITY = 0.92


def engagement_total(item: ScrapedItem) -> float:
    """Points + comments + traffic: the counts that mean attention (not rank)."""
    return sum(item.engagement.get(key, 0.0) for key in ("points", "comments", "traffic"))


def drop_near_duplicate_titles(
    items: list[ScrapedItem],
    models: ResidentModels,
    threshold: float = NEAR_DUPLICATE_SIMILARITY,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> list[ScrapedItem]:
    """Keep one item per group of near-identical titles: the one with the most engagement.

    The dropped items' URLs are kept in the survivor's ``data["duplicates"]``.

    Args:
        embed: unit-length embeddings for a list of texts (default: MiniLM via ``models``);
            callers that embed the same titles again pass a cached one.
    """
    if len(items) < 2:
        return list(items)
    order = sorted(range(len(items)), key=lambda i: -engagement_total(items[i]))
    vectors = (embed or (lambda texts: embed_texts(texts, models)))([items[i].title for i in order])
    kept_positions: list[int] = []
    survivors: list[ScrapedItem] = []
    for position, index in enumerate(order):
        item = items[index]
        match = next(
            (k for k, kept in enumerate(kept_positions) if float(vectors[position] @ vectors[kept]) >= threshold),
            None,
        )
        if match is None:
            kept_positions.append(position)
            survivors.append(item.model_copy(deep=True))
        else:
            survivors[match].data.setdefault("duplicates", []).append(item.url)
    return survivors
