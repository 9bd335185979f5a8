"""The grounding evaluation behind ``adloom eval grounding``.

For each brief in ``evals/grounding_briefs.yaml`` (fictional products in eleven
categories, written for this eval), the planner and the copywriter run as in a campaign,
and every text a viewer would meet (key messages, each platform's headline, text, CTA and
hashtags, the voiceover lines) is measured:

- unsupported texts per 100: texts the grounding check rejects (shipped copy should have
  none), and claim words the brief's product never states, found by the claim lexicon
  alone (a second, simpler judge);
- foreign-product texts: texts with a word from another eval brief's product or brand
  name that this brief lacks, or a three-word run from a prompt;
- LLM share: the share of platform copy and script lines the LLM wrote (the rest came
  from the pattern library), and the LLM's rejected replies;
- platforms naming the product or brand; Flesch reading ease (syllables by nltk's sonority tokenizer);
- seconds per campaign (planner and copywriter; no media).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import yaml

from adloom.agents.brief import Brief, parse_brief
from adloom.agents.config import CopywriterSettings
from adloom.agents.copywriter import VariantCopy, write_variant_copy
from adloom.agents.grounding import claim_words, grounds_for, neutral_words, words
from adloom.agents.llm_access import AgentLLM
from adloom.agents.planner import plan_campaign
from adloom.storage.files import write_json_atomic
from adloom.tools.config import LLMSettings
from adloom.tools.context import ResidentModels

BRIEFS_FILE = "grounding_briefs.yaml"


@dataclass(frozen=True)
class EvalBrief:
    id: str
    category: str
    brief: Brief


def load_eval_briefs(limit: int | None = None, per_category: int | None = None) -> list[EvalBrief]:
    """The eval's briefs, in file order; ``per_category`` keeps the first N of each category."""
    data = yaml.safe_load(resources.files("adloom.evals").joinpath(BRIEFS_FILE).read_text("utf-8"))
    found: list[EvalBrief] = []
    counts: dict[str, int] = {}
    for entry in data["briefs"]:
        if per_category is not None and counts.get(entry["category"], 0) >= per_category:
            continue
        counts[entry["category"]] = counts.get(entry["category"], 0) + 1
        found.append(EvalBrief(entry["id"], entry["category"], parse_brief(entry["brief"], source=entry["id"])))
    return found[:limit]


def flesch_reading_ease(text: str) -> float:
    """Flesch reading ease (higher reads easier; 60-80 is plain English)."""
    from nltk.tokenize import SyllableTokenizer

    syllabify = SyllableTokenizer()
    sentences = max(1, len([s for s in re.split(r"[.!?]+", text) if s.strip()]))
    tokens = [t for t in re.findall(r"[A-Za-z]+", text)]
    if not tokens:
        return 0.0
    syllables = sum(len(syllabify.tokenize(token.lower())) for token in tokens)
    return 206.835 - 1.015 * len(tokens) / sentences - 84.6 * syllables / len(tokens)


@dataclass
class ShippedText:
    brief_id: str
    field: str
    text: str
    source: str
    problems: list[str]
    claims: list[str]
    foreign: list[str]
    facts: list[str]


@dataclass
class ModelReport:
    model: str
    briefs: int
    texts: int
    unsupported_per_100: float
    claim_words_per_100: float
    foreign_product_texts: int
    llm_share: float
    llm_calls: int
    llm_failed_calls: int
    platforms_naming_product: float
    reading_ease: float
    seconds_per_campaign: float
    examples: list[dict] = field(default_factory=list)


def _foreign_words(brief: Brief, others: list[Brief]) -> set[str]:
    own = grounds_for(brief.model_dump())
    found = set()
    for other in others:
        for word in words(f"{other.product.name} {other.brand.name}"):
            if word not in neutral_words() and not own.known(word) and len(word) > 3:
                found.add(word)
    return found


def _claims_not_in_product(text: str, brief: Brief) -> list[str]:
    """Claim words in ``text`` that the product's own entries do not say.

    The audience quoted word for word ("for people who travel with carry-on luggage only")
    describes the viewer, not the product: its words are not counted.
    """
    product = " ".join([brief.product.name, brief.product.description, *brief.product.facts, brief.product.price or ""])
    product_words = set(words(product))
    if brief.audience:
        text = re.sub(re.escape(brief.audience), " ", text, flags=re.IGNORECASE)
    text_words = words(text)
    return [phrase for phrases in claim_words().values() for phrase in phrases
            if " " not in phrase and phrase in text_words and phrase not in product_words]


def shipped_texts(brief_id: str, brief: Brief, key_messages: list[str], copy: VariantCopy) -> list[tuple[str, str, str]]:
    """Every (field, text, source) of one variant a viewer would meet."""
    texts = [(f"key_messages[{i}]", m, "plan") for i, m in enumerate(key_messages)]
    for platform, item in copy.platforms.items():
        texts += [(f"{platform}.{name}", getattr(item, name), item.source) for name in ("headline", "primary_text", "cta")]
        texts.append((f"{platform}.hashtags", " ".join(item.hashtags), "built"))
    texts += [(f"script[{line.scene_index}]", line.text, line.source) for line in copy.script]
    return texts


def evaluate_model(
    model: str, briefs: list[EvalBrief], models: ResidentModels, *,
    progress: Callable[[str], None] = lambda _: None, threads: int = 1,
) -> ModelReport:
    """Plan and write copy for every brief with one embedded model, and measure what would ship."""
    llm = AgentLLM.load(LLMSettings(model=model, threads=threads), models)
    settings = CopywriterSettings()
    all_briefs = [entry.brief for entry in briefs]
    shipped: list[ShippedText] = []
    naming: list[bool] = []
    seconds = 0.0
    for number, entry in enumerate(briefs, start=1):
        progress(f"{model or 'default'}: brief {number}/{len(briefs)} ({entry.id})")
        started = time.perf_counter()
        plan = plan_campaign(entry.brief, llm)
        variant = plan.variants[0]
        copy = write_variant_copy(entry.brief, variant, llm, models, settings)
        seconds += time.perf_counter() - started
        grounds = grounds_for(entry.brief.model_dump())
        foreign_words = _foreign_words(entry.brief, [b for b in all_briefs if b is not entry.brief])
        for field_name, text, source in shipped_texts(entry.id, entry.brief, variant.key_messages, copy):
            # A CTA or hashtags state nothing about the product: words checked, meaning not.
            statement = not field_name.endswith((".cta", ".hashtags"))
            line = grounds.check(field_name, text, models if statement else None)
            shipped.append(ShippedText(
                entry.id, field_name, text, source, line.problems, _claims_not_in_product(text, entry.brief),
                sorted(foreign_words & set(words(text))), line.facts,
            ))
        naming += [grounds.names_product(f"{p.headline} {p.primary_text}") for p in copy.platforms.values()]
    count = max(1, len(shipped))
    written = [s for s in shipped if s.source in ("llm", "pattern")]
    # Every text that would not pass first (there should be none), then a few that did.
    examples = [asdict(s) for s in shipped if s.problems or s.claims or s.foreign]
    examples += [asdict(s) for s in shipped if s.field.endswith(("primary_text", "script[1]"))][:8]
    return ModelReport(
        model=model or "default", briefs=len(briefs), texts=len(shipped),
        unsupported_per_100=round(100 * sum(1 for s in shipped if s.problems) / count, 2),
        claim_words_per_100=round(100 * sum(1 for s in shipped if s.claims) / count, 2),
        foreign_product_texts=sum(1 for s in shipped if s.foreign),
        llm_share=round(sum(1 for s in written if s.source == "llm") / max(1, len(written)), 3),
        llm_calls=llm.usage.calls, llm_failed_calls=llm.usage.failures,
        platforms_naming_product=round(sum(naming) / max(1, len(naming)), 3),
        reading_ease=round(sum(flesch_reading_ease(s.text) for s in written) / max(1, len(written)), 1),
        seconds_per_campaign=round(seconds / max(1, len(briefs)), 1),
        examples=examples,
    )


def format_report(reports: list[ModelReport]) -> str:
    """A table of every model's numbers, then example lines with the brief facts they rest on."""
    header = (f"{'model':<16} {'briefs':>6} {'texts':>6} {'unsup/100':>9} {'claims/100':>10} {'foreign':>7} "
              f"{'LLM share':>9} {'LLM failed':>10} {'names':>6} {'ease':>5} {'s/campaign':>10}")
    rows = [header]
    for r in reports:
        rows.append(
            f"{r.model:<16} {r.briefs:>6} {r.texts:>6} {r.unsupported_per_100:>9.2f} {r.claim_words_per_100:>10.2f} "
            f"{r.foreign_product_texts:>7} {r.llm_share:>9.1%} {f'{r.llm_failed_calls}/{r.llm_calls}':>10} "
            f"{r.platforms_naming_product:>6.0%} {r.reading_ease:>5.1f} {r.seconds_per_campaign:>10.1f}"
        )
    for r in reports:
        rows += ["", f"Examples ({r.model}):"]
        for example in r.examples:
            rows.append(f"  [{example['brief_id']} {example['field']}, {example['source']}] {example['text']}")
            rows.append(f"      rests on: {'; '.join(example['facts']) or '(neutral words only)'}")
            for problem in example["problems"] + [f"claim word: {c}" for c in example["claims"]] + \
                    [f"another product's word: {w}" for w in example["foreign"]]:
                rows.append(f"      PROBLEM: {problem}")
    return "\n".join(rows)


def write_report(reports: list[ModelReport], out_dir: Path) -> Path:
    """``grounding-<timestamp>.json`` in ``out_dir``."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = Path(out_dir) / f"grounding-{stamp}.json"
    write_json_atomic(path, {"created_at": stamp, "models": [asdict(r) for r in reports]})
    return path
