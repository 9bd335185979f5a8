"""Trends from scraped items: topics (clusters), their scores, and the products they fit.

A topic is a cluster of items whose titles mean nearly the same thing (MiniLM embeddings,
greedy leader clustering, most-engaged item first). Its score mixes four parts, each in
[0, 1]:

- recency: half-life decay of the newest member's age (published time, else first seen);
- engagement: log of points + comments + traffic (+ a rank bonus for ranked lists),
  relative to the most engaged topic of the batch;
- velocity: engagement gained per hour since the previous crawl of the same item, or
  since publication for an item seen once, relative to the fastest topic;
- breadth: how many items (and sources) the topic spans.

A topic matches a product by embedding similarity between the topic and the product's
name, description and facts, plus the share of the topic's keywords that the product
text contains.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adloom.storage.database import Database
from adloom.storage.models import Brand, Source, Trend, TrendItem, utc_now
from adloom.tools.context import ResidentModels
from adloom.tools.embeddings.tool import embed_texts
from adloom.tools.scrape.dedupe import drop_near_duplicate_titles
from adloom.tools.scrape.items import CrawlOptions, CrawlResult, CrawlSource
from adloom.tools.scrape.runner import crawl_sources
from adloom.tools.scrape.store import StoredCounts, store_crawl

TOPIC_SIMILARITY = 0.5
RECENCY_HALF_LIFE_H = 24.0
ITEM_WINDOW = timedelta(days=3)
SCORE_WEIGHTS = {"recency": 0.25, "engagement": 0.35, "velocity": 0.25, "breadth": 0.15}
MATCH_WEIGHTS = {"similarity": 0.75, "keywords": 0.25}
MAX_TREND_TEXT_CHARS = 1500
MAX_STORED_TOPICS = 50
MIN_PRODUCT_MATCH = 0.3
# Ranked lists (Google Trends) give no counts: rank 1 is worth this much engagement.
RANK_ENGAGEMENT = 1000.0
_WORD = re.compile(r"[a-z0-9][a-z0-9'+-]{2,}")
STOPWORDS = frozenset(
    "the and for with from that this what when where which who why how are was were has have had you your "
    "our their its his her not but all any can will just into over out about after before more most new "
    "one two three get got use using via than then them they there these those here been being also only "
    "very like make made does did doing show ask tell says said why isn aren don won can't don't it's i'm".split()
)

ProgressCallback = Callable[[str, float], None]


def _ignore_progress(label: str, fraction: float) -> None:
    """Default progress sink."""


def keywords_of(texts: list[str], limit: int = 8) -> list[str]:
    """The most frequent content words of ``texts`` (lower case, stopwords removed)."""
    counts = Counter(
        word for text in texts for word in _WORD.findall(text.lower()) if word not in STOPWORDS
    )
    return [word for word, _ in counts.most_common(limit)]


@dataclass
class TopicMember:
    """One stored item as the ranking sees it."""

    title: str
    url: str
    kind: str
    source_id: int | None
    engagement: dict[str, float]
    published_at: datetime | None
    first_seen_at: datetime
    fetched_at: datetime
    previous_engagement: dict[str, float] | None = None
    previous_fetched_at: datetime | None = None
    summary: str = ""

    @classmethod
    def from_row(cls, row: TrendItem) -> "TopicMember":
        return cls(
            title=row.title, url=row.url, kind=row.kind, source_id=row.source_id,
            engagement=dict(row.engagement or {}), published_at=row.published_at,
            first_seen_at=row.first_seen_at, fetched_at=row.fetched_at,
            previous_engagement=row.previous_engagement, previous_fetched_at=row.previous_fetched_at,
            summary=row.summary or "",
        )

    def attention(self, engagement: dict[str, float] | None = None) -> float:
        counts = self.engagement if engagement is None else engagement
        total = sum(float(counts.get(key, 0.0)) for key in ("points", "comments", "traffic"))
        if "rank" in counts and total == 0:
            total = RANK_ENGAGEMENT / max(float(counts["rank"]), 1.0)
        return total


@dataclass
class ProductMatch:
    product: str
    similarity: float
    keyword_share: float
    match: float


@dataclass
class Topic:
    """A cluster of items about one thing, with its score and best product match."""

    label: str
    members: list[TopicMember]
    keywords: list[str]
    centroid: np.ndarray
    components: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    match: ProductMatch | None = None


Embedder = Callable[[list[str]], np.ndarray]
EMBEDDING_CACHE_LIMIT = 50_000


def cached_embedder(models: ResidentModels) -> Embedder:
    """MiniLM embeddings memoised per text for this process: titles recur in every crawl."""
    cache: dict[str, np.ndarray] = models.get(("trends", "title-embeddings"), dict)

    def embed(texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(text for text in texts if text not in cache))
        if missing:
            if len(cache) + len(missing) > EMBEDDING_CACHE_LIMIT:
                cache.clear()
            cache.update(zip(missing, embed_texts(missing, models)))
        return np.stack([cache[text] for text in texts]) if texts else np.zeros((0, 384), dtype=np.float32)

    return embed


def cluster_items(
    members: list[TopicMember], models: ResidentModels, threshold: float = TOPIC_SIMILARITY,
    embed: Embedder | None = None,
) -> list[Topic]:
    """Greedy leader clustering on title embeddings, most-engaged item first.

    Each item joins the first topic whose running centroid it resembles by at least
    ``threshold`` (cosine), else starts a new topic; the leader's title labels the topic.

    Args:
        embed: unit-length embeddings of texts (default: :func:`cached_embedder`).
    """
    if not members:
        return []
    ordered = sorted(members, key=lambda m: -m.attention())
    vectors = (embed or cached_embedder(models))([m.title for m in ordered])
    sums: list[np.ndarray] = []
    groups: list[list[int]] = []
    for index, vector in enumerate(vectors):
        best, best_similarity = None, threshold
        for topic_index, total in enumerate(sums):
            centroid = total / np.linalg.norm(total)
            similarity = float(centroid @ vector)
            if similarity >= best_similarity:
                best, best_similarity = topic_index, similarity
        if best is None:
            sums.append(vector.copy())
            groups.append([index])
        else:
            sums[best] += vector
            groups[best].append(index)
    topics = []
    for total, group in zip(sums, groups):
        group_members = [ordered[i] for i in group]
        topics.append(Topic(
            label=group_members[0].title, members=group_members,
            keywords=keywords_of([m.title for m in group_members]), centroid=total / np.linalg.norm(total),
        ))
    return topics


def _age_hours(member: TopicMember, now: datetime) -> float:
    born = member.published_at or member.first_seen_at
    return max((now - born).total_seconds() / 3600.0, 0.0)


def _velocity(member: TopicMember, now: datetime) -> float:
    """Attention gained per hour: since the previous crawl when there was one, else since birth."""
    if member.previous_engagement is not None and member.previous_fetched_at is not None:
        hours = max((member.fetched_at - member.previous_fetched_at).total_seconds() / 3600.0, 1 / 60)
        return max(member.attention() - member.attention(member.previous_engagement), 0.0) / hours
    return member.attention() / max(_age_hours(member, now), 1.0)


def score_topics(topics: list[Topic], now: datetime | None = None) -> list[Topic]:
    """Fill each topic's ``components`` and ``score``; returns the topics best first."""
    now = now or utc_now()
    if not topics:
        return []
    raw = []
    for topic in topics:
        recency = max(0.5 ** (_age_hours(m, now) / RECENCY_HALF_LIFE_H) for m in topic.members)
        engagement = math.log1p(sum(m.attention() for m in topic.members))
        velocity = math.log1p(sum(_velocity(m, now) for m in topic.members))
        sources = len({m.source_id for m in topic.members})
        breadth = math.log1p(len(topic.members)) + 0.5 * math.log1p(sources - 1)
        raw.append((recency, engagement, velocity, breadth))
    peaks = [max(values[i] for values in raw) or 1.0 for i in range(4)]
    for topic, values in zip(topics, raw):
        topic.components = {
            "recency": values[0],
            "engagement": values[1] / peaks[1],
            "velocity": values[2] / peaks[2],
            "breadth": values[3] / peaks[3],
        }
        topic.score = sum(SCORE_WEIGHTS[name] * value for name, value in topic.components.items())
    return sorted(topics, key=lambda t: -t.score)


def product_text(product: dict) -> str:
    facts = "; ".join(product.get("facts") or [])
    return ". ".join(part for part in (product["name"], product.get("description") or "", facts) if part)


def match_products(topics: list[Topic], products: list[dict], models: ResidentModels) -> list[Topic]:
    """Set each topic's best :class:`ProductMatch` among ``products`` (dicts with name, description, facts)."""
    if not topics or not products:
        return topics
    texts = [product_text(product) for product in products]
    product_vectors = embed_texts(texts, models)
    product_words = [set(_WORD.findall(text.lower())) for text in texts]
    for topic in topics:
        similarities = product_vectors @ topic.centroid
        best = None
        for index, product in enumerate(products):
            keywords = topic.keywords[:5]
            share = sum(1 for word in keywords if word in product_words[index]) / len(keywords) if keywords else 0.0
            similarity = float(similarities[index])
            match = MATCH_WEIGHTS["similarity"] * similarity + MATCH_WEIGHTS["keywords"] * share
            if best is None or match > best.match:
                best = ProductMatch(product["name"], similarity, share, match)
        topic.match = best
    return topics


def trend_text(topic: Topic) -> str:
    """The trend as the brief carries it: label, a few related headlines, keywords; capped."""
    headlines = "; ".join(m.title for m in topic.members[1:4])
    text = topic.label
    if headlines:
        text += f". Related headlines: {headlines}"
    if topic.keywords:
        text += f". Keywords: {', '.join(topic.keywords[:6])}"
    return text if len(text) <= MAX_TREND_TEXT_CHARS else text[: MAX_TREND_TEXT_CHARS - 1] + "…"


# --- the database side ----------------------------------------------------------------------


class UnknownBrandError(LookupError):
    def __init__(self, brand: str):
        super().__init__(f"no brand named {brand!r} (store one with: adloom brands import BRIEF.yaml)")


@dataclass
class TrendRefresh:
    """What one scrape of a brand's sources did."""

    brand: str
    crawl: CrawlResult
    stored: StoredCounts
    topics: list[Topic]
    trend_ids: list[int]


def brand_by_name(session: Session, name: str) -> Brand:
    brand = session.scalars(select(Brand).where(Brand.name == name)).one_or_none()
    if brand is None:
        raise UnknownBrandError(name)
    return brand


def _topic_payload_sha256(topic: Topic) -> str:
    digest = hashlib.sha256()
    for member in topic.members:
        digest.update(member.url.encode("utf-8") + b"\n")
    return digest.hexdigest()


def _store_topics(session: Session, brand_id: int, topics: list[Topic], batch: datetime) -> list[int]:
    ids = []
    for topic in topics:
        row = Trend(
            brand_id=brand_id, topic=topic.label[:300], score=round(topic.score, 6),
            source=",".join(sorted({m.kind for m in topic.members}))[:100], url=topic.members[0].url,
            payload_sha256=_topic_payload_sha256(topic), fetched_at=batch,
            data={
                "keywords": topic.keywords,
                "components": {k: round(v, 6) for k, v in topic.components.items()},
                "match": None if topic.match is None else {
                    "product": topic.match.product, "similarity": round(topic.match.similarity, 6),
                    "keyword_share": round(topic.match.keyword_share, 6), "match": round(topic.match.match, 6),
                },
                "trend_text": trend_text(topic),
                "items": [
                    {"title": m.title, "url": m.url, "kind": m.kind, "engagement": m.engagement}
                    for m in topic.members[:20]
                ],
            },
        )
        session.add(row)
        session.flush()
        ids.append(row.id)
    return ids


def rank_brand_topics(
    session: Session, brand: Brand, models: ResidentModels, now: datetime, embed: Embedder | None = None
) -> list[Topic]:
    """Cluster, score and match the brand's recent items (product pages are not trends)."""
    rows = session.scalars(
        select(TrendItem).where(
            TrendItem.brand_id == brand.id, TrendItem.fetched_at >= now - ITEM_WINDOW, TrendItem.kind != "product",
        )
    ).all()
    topics = score_topics(cluster_items([TopicMember.from_row(row) for row in rows], models, embed=embed), now)
    products = [
        {"name": p.name, "description": p.description, "facts": list(p.facts or [])} for p in brand.products
    ]
    return match_products(topics, products, models)


def refresh_brand_trends(
    database: Database,
    brand_name: str,
    models: ResidentModels,
    *,
    options: CrawlOptions | None = None,
    progress: ProgressCallback = _ignore_progress,
    now: datetime | None = None,
) -> TrendRefresh:
    """Crawl a brand's sources, store the new items, and store its ranked topics.

    Items are stored in one transaction after the whole crawl, so a crash mid-crawl
    leaves nothing half-written; a failing source only has its status recorded.

    Raises:
        UnknownBrandError: no such brand.
        tools.scrape.runner.CrawlFailed: the crawl process itself failed.
    """
    with database.session() as session:
        brand = brand_by_name(session, brand_name)
        sources = [
            CrawlSource(id=s.id, kind=s.kind, url=s.url, allow_private=s.allow_private)
            for s in session.scalars(select(Source).where(Source.brand_id == brand.id).order_by(Source.id))
        ]
    progress(f"crawling {len(sources)} sources", 0.0)
    result = crawl_sources(sources, options)
    progress("deduplicating", 0.6)
    embed = cached_embedder(models)
    items = drop_near_duplicate_titles(result.items, models, embed=embed)
    progress("ranking topics", 0.8)
    batch = now or utc_now()
    with database.session() as session:
        brand = brand_by_name(session, brand_name)
        stored = store_crawl(session, brand.id, result, items)
        topics = rank_brand_topics(session, brand, models, batch, embed)
        # The best-scored topics, plus every topic that fits a product however it scored.
        kept = topics[:MAX_STORED_TOPICS] + [
            t for t in topics[MAX_STORED_TOPICS:] if t.match is not None and t.match.match >= MIN_PRODUCT_MATCH
        ]
        trend_ids = _store_topics(session, brand.id, kept, batch)
    progress("done", 1.0)
    return TrendRefresh(brand=brand_name, crawl=result, stored=stored, topics=topics, trend_ids=trend_ids)


def latest_trends(session: Session, brand_id: int, limit: int | None = 20) -> list[Trend]:
    """The brand's topics from its most recent scrape, best first (all of them when ``limit`` is None)."""
    latest = session.scalar(select(func.max(Trend.fetched_at)).where(Trend.brand_id == brand_id))
    if latest is None:
        return []
    return list(session.scalars(
        select(Trend).where(Trend.brand_id == brand_id, Trend.fetched_at == latest)
        .order_by(Trend.score.desc()).limit(limit)
    ))


def best_matching_trend(trends: list[Trend], min_match: float = MIN_PRODUCT_MATCH) -> Trend | None:
    """The stored topic to campaign on: highest score x product match, among good matches."""
    matching = [t for t in trends if (t.data.get("match") or {}).get("match", 0.0) >= min_match]
    if not matching:
        return None
    return max(matching, key=lambda t: t.score * t.data["match"]["match"])
