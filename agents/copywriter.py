"""The copywriter: per-platform copy and the voiceover script for one variant.

Candidates come from two places: the LLM (which chooses and rephrases from the brief's
facts) and the reviewed pattern library (:mod:`adloom.agents.copy_patterns`), which fills ad
shapes with the brief's own words. Every candidate must pass the same checks before it
counts: platform limits, readability (whole sentences, no emoji, no repeated words), a
call to action that fits the product's kind, the product or brand named, and grounding
(:mod:`adloom.agents.grounding`: every word, number and claim traced to the brief). A ranker
picks among the survivors by relevance to the product, readability and variety across
platforms. Hashtags are built from the brand and product, never written by the model.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from adloom.agents import copy_patterns
from adloom.agents.brief import Brief
from adloom.agents.config import CopywriterSettings
from adloom.agents.grounding import (
    BriefGrounds,
    LineGrounding,
    grounds_for,
    neutral_words,
    own_words_line,
    unsupported_claims,
    words,
)
from adloom.agents.llm_access import AgentLLM
from adloom.agents.planner import Variant
from adloom.agents.platforms import PLATFORM_LIMITS, PlatformLimits
from adloom.agents.untrusted_text import render_trend_block
from adloom.tools.config import WORDS_PER_SECOND
from adloom.tools.context import ProgressCallback, ResidentModels, ignore_progress
from adloom.tools.embeddings.tool import cosine_similarities, embed_texts
from adloom.tools.llm.prompts import load_prompt

_PLACEHOLDER_TEXT = re.compile(r"call to action|headline|primary text|hashtag|<[^>]*>|\[\w+\]|https?://", re.I)
# A text that ends on one of these words was cut off ("The coffee that is").
_CLAUSE_WORDS = frozenset("and but so plus which while with".split())
_DANGLING = frozenset(
    "a an the and or but with of for to from in on at by is are was be your our its their that this like over "
    "than as into where which who whose when while because if".split()
)
Source = Literal["llm", "pattern"]
LLM_WORDING_BONUS = 0.1
PRIMARY_TEXT_MAX = 220
"""Characters of primary text: what a feed shows before "more", whatever the platform allows."""


class PlatformCopy(BaseModel):
    platform: str
    headline: str
    primary_text: str
    hashtags: list[str]
    cta: str
    relevance: float
    source: Source
    candidates_considered: int
    grounding: list[LineGrounding] = Field(default_factory=list, description="Each field and the brief facts it rests on.")


class ScriptLine(BaseModel):
    scene_index: int
    text: str
    word_budget: int
    source: Source
    grounding: LineGrounding | None = None


class VariantCopy(BaseModel):
    variant_id: str
    platforms: dict[str, PlatformCopy]
    script: list[ScriptLine]
    notes: list[str] = Field(default_factory=list, description="What the marketer should know, e.g. a thin brief.")
    own_headlines: dict[str, str] = Field(
        default_factory=dict, description="Headlines the marketer wrote at an approval gate, by platform: kept as "
        "written through every later rewrite, and grounded by their word.")

    own_scene_texts: dict[int, str] = Field(
        default_factory=dict, description="Words the marketer wrote for a scene's picture, by scene index, set "
        "there as written instead of the planned words.")

    def own_words(self) -> set[str]:
        """Every text the marketer wrote themselves: it rests on their word, not the brief's."""
        return {*self.own_headlines.values(), *self.own_scene_texts.values()}

    def with_own_scene_texts(self, texts: dict[int, str]) -> VariantCopy:
        return self.model_copy(update={"own_scene_texts": {**self.own_scene_texts, **texts}})

    def with_own_headlines(self, headlines: dict[str, str]) -> VariantCopy:
        """This copy with the marketer's headlines set as written (see :func:`own_headline_problems`)."""
        platforms = dict(self.platforms)
        for platform, text in headlines.items():
            item = platforms[platform]
            grounding = [own_words_line(f"{platform}.headline", text) if line.field == f"{platform}.headline" else line
                         for line in item.grounding]
            platforms[platform] = item.model_copy(update={"headline": text, "grounding": grounding})
        return self.model_copy(update={"platforms": platforms, "own_headlines": {**self.own_headlines, **headlines}})


OWN_SCENE_TEXT_MAX = 80


def own_scene_text_problems(text: str, scene_index: int) -> list[str]:
    """Why words the marketer wrote for a scene's picture cannot be set there as written."""
    problems = [] if len(text) <= OWN_SCENE_TEXT_MAX else [
        f"the words for picture {scene_index + 1} are {len(text)} characters; a picture holds {OWN_SCENE_TEXT_MAX}"]
    return problems + readability_problems(text, f"the words for picture {scene_index + 1}", sentence=False)


def own_headline_problems(text: str, platform: str) -> list[str]:
    """Why a headline the marketer wrote cannot be used as written on ``platform`` (its limits, readability)."""
    limits = PLATFORM_LIMITS[platform]
    problems = [] if len(text) <= limits.headline_max else [
        f"the {limits.label} headline is {len(text)} characters; {limits.label} allows {limits.headline_max}"]
    return problems + readability_problems(text, f"the {limits.label} headline", sentence=False)


@lru_cache(maxsize=None)
def _copy_draft_model(platform: str) -> type[BaseModel]:
    # Twice the limits: a schema limit makes constrained decoding cut text mid-word, so the
    # real limits are checked afterwards and a long answer is re-asked with its length.
    limits = PLATFORM_LIMITS[platform]
    return create_model(
        f"CopyDraft_{platform}",
        headline=(str, Field(min_length=3, max_length=2 * limits.headline_max)),
        primary_text=(str, Field(min_length=10, max_length=2 * PRIMARY_TEXT_MAX)),
        cta=(str, Field(min_length=2, max_length=2 * limits.cta_max)),
    )


@lru_cache(maxsize=None)
def _script_draft_model(scene_count: int, longest_budget: int) -> type[BaseModel]:
    line = Field(min_length=2, max_length=16 * longest_budget)
    return create_model(
        f"ScriptDraft_{scene_count}",
        lines=(list[Annotated[str, line]], Field(min_length=scene_count, max_length=scene_count)),
    )


def readability_problems(text: str, name: str, *, sentence: bool) -> list[str]:
    """What stops a text from reading as finished copy.

    Args:
        name: the field, for the message.
        sentence: the text must be whole sentences (capitalised, ending in . ! or ?).
    """
    problems: list[str] = []
    stripped = text.strip()
    if any(ord(char) > 0x2000 and not char.isalnum() and char not in "–—‘’“”…€£¥•" for char in stripped):
        problems.append(f"{name} has emoji or symbols; use words only")
    tokens = words(stripped)
    repeats = [a for a, b in zip(tokens, tokens[1:]) if a == b and not a[0].isdigit()]
    if repeats:
        problems.append(f"{name} repeats {repeats[0]!r}")
    if tokens and tokens[-1] in _DANGLING or stripped.endswith(("…", "...", ",", ":", "-")):
        problems.append(f"{name} is cut off ({stripped[-25:]!r})")
    if _PLACEHOLDER_TEXT.search(stripped):
        problems.append(f"{name} {stripped!r} is a placeholder or a link, not ad copy")
    if sentence and stripped:
        if not stripped[0].isupper() and not stripped[0].isdigit() and stripped[0] not in "$€£¥":
            problems.append(f"{name} must start with a capital letter")
        if stripped[-1] not in ".!?":
            problems.append(f"{name} must end with a full stop")
    return problems


def copy_problems(draft: BaseModel, limits: PlatformLimits, brief: Brief, own_headline: str | None = None) -> list[str]:
    """Everything that disqualifies a copy candidate (headline, primary_text, cta) for a platform.

    ``own_headline``: the headline the marketer wrote; it rests on their word, not the brief's.
    """
    grounds = grounds_for(brief.model_dump())
    problems: list[str] = []
    if len(draft.headline) > limits.headline_max:
        problems.append(f"headline is {len(draft.headline)} characters; {limits.label} allows {limits.headline_max}")
    # X counts the hashtags appended to the post against its length.
    reserved = sum(len(tag) + 1 for tag in copy_patterns.hashtags(brief, limits.hashtags_max)) \
        if limits.counts_hashtags_in_text else 0
    text_max = min(limits.primary_text_max - reserved, PRIMARY_TEXT_MAX)
    if len(draft.primary_text) > text_max:
        problems.append(f"primary text is {len(draft.primary_text)} characters; {limits.label} copy allows {text_max}")
    if len(draft.cta) > limits.cta_max:
        problems.append(f"cta is {len(draft.cta)} characters; {limits.label} allows {limits.cta_max}")
    problems += readability_problems(draft.headline, "headline", sentence=False)
    problems += readability_problems(draft.primary_text, "primary text", sentence=True)
    problems += readability_problems(draft.cta, "cta", sentence=False)
    problems += copy_patterns.cta_problems(draft.cta, brief)
    if not grounds.names_product(f"{draft.headline} {draft.primary_text}"):
        problems.append(f"name the product ({brief.product.name}) or the brand ({brief.brand.name})")
    for name in ("headline", "primary_text", "cta"):
        if name == "headline" and draft.headline == own_headline:
            continue
        problems += [f"{name}: {p}" for p in grounds.problems(getattr(draft, name))]
    return problems


class _Candidate(BaseModel):
    headline: str
    primary_text: str
    cta: str
    source: Source


def pattern_candidates(brief: Brief, platform: str, start: int) -> list[_Candidate]:
    """Copy filled from the pattern library, leading with the fact at ``start``."""
    library = copy_patterns.library()
    facts = copy_patterns.rotated(brief.product.facts, start)
    ctas = copy_patterns.calls_to_action(brief)
    slots = copy_patterns.Slots.from_brief(brief, facts, ctas[0])
    headlines = copy_patterns.fill_all([p for group in library["headline"].values() for p in group], slots)
    texts = copy_patterns.fill_all([p for group in library["primary_text"].values() for p in group], slots)
    if not texts:  # a brief with no facts: its description's first sentence
        description = brief.product.description.strip().split(". ")[0].rstrip(".")
        texts = [f"{brief.product.name}. {copy_patterns.sentence_case(description)}."]
    # Rotate the shapes too, so the platforms of one variant do not all read alike.
    headlines = copy_patterns.rotated(headlines, start)
    texts = copy_patterns.rotated(texts, start)
    return [
        _Candidate(headline=headlines[i % len(headlines)], primary_text=texts[i], cta=ctas[i % len(ctas)], source="pattern")
        for i in range(len(texts))
    ]


def _fluency(candidate: _Candidate) -> float:
    """Readability on a 0-1 scale: short sentences of 6-18 words read best in a feed."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", candidate.primary_text) if s]
    lengths = [len(s.split()) for s in sentences]
    in_range = sum(1 for n in lengths if 4 <= n <= 18) / max(1, len(lengths))
    headline_words = len(candidate.headline.split())
    return 0.7 * in_range + 0.3 * (1.0 if 2 <= headline_words <= 9 else 0.5)


def write_platform_copy(
    brief: Brief,
    variant: Variant,
    platform: str,
    llm: AgentLLM,
    models: ResidentModels,
    settings: CopywriterSettings,
    feedback: list[str] | None = None,
    taken: list[str] | None = None,
) -> PlatformCopy:
    """The best grounded copy for one platform.

    Args:
        taken: copy already chosen for the variant's other platforms (the ranker prefers variety).
    """
    limits = PLATFORM_LIMITS[platform]
    grounds = grounds_for(brief.model_dump())
    draft_model = _copy_draft_model(platform)
    prompt = load_prompt(
        "write_platform_copy",
        platform_label=limits.label,
        product_name=brief.product.name,
        brand_name=brief.brand.name,
        product_description=brief.product.description,
        facts="; ".join(brief.product.facts) or "(only the description)",
        price=brief.product.price or "(not given: do not mention a price)",
        audience=brief.audience,
        brand_voice=brief.brand.voice,
        key_messages="; ".join(variant.key_messages),
        trend_block=render_trend_block(brief.trend),
        headline_max=limits.headline_max,
        primary_text_max=min(limits.primary_text_max, PRIMARY_TEXT_MAX),
        cta_max=limits.cta_max,
        ctas=", ".join(copy_patterns.calls_to_action(brief)),
    )
    if feedback:
        prompt += "\n\n" + load_prompt("revise_copy", problems="\n".join(f"- {p}" for p in feedback))
    messages = [{"role": "user", "content": prompt}]
    variant_number = int(variant.id[1:])
    # A revision samples afresh: the same seed would mostly repeat the rejected answer.
    revision_offset = 500 if feedback else 0
    candidates: list[_Candidate] = []
    for attempt in range(settings.candidates):
        draft = llm.structured(
            messages, draft_model, seed=1000 * variant_number + 10 * attempt + len(platform) + revision_offset,
            max_tokens=200, check=lambda d: copy_problems(d, limits, brief), max_retries=settings.reasks,
        )
        if draft is not None:
            candidates.append(_Candidate(**draft.model_dump(), source="llm"))
    start = len(taken or []) + (variant_number - 1) + (1 if feedback else 0)
    candidates += [c for c in pattern_candidates(brief, platform, start) if not copy_problems(c, limits, brief)]
    chosen, score, considered = _rank(brief, candidates, taken or [], grounds, models)
    tags = copy_patterns.hashtags(brief, limits.hashtags_max)
    # The CTA and hashtags state nothing about the product: their words are checked, not their meaning.
    grounding = [grounds.check(f"{platform}.{name}", getattr(chosen, name), models)
                 for name in ("headline", "primary_text")]
    grounding.append(grounds.check(f"{platform}.cta", chosen.cta))
    grounding.append(grounds.check(f"{platform}.hashtags", " ".join(tags)))
    return PlatformCopy(
        platform=platform, headline=chosen.headline.strip(), primary_text=chosen.primary_text.strip(), hashtags=tags,
        cta=chosen.cta.strip(), relevance=round(score, 4), source=chosen.source, candidates_considered=considered,
        grounding=grounding,
    )


def _rank(
    brief: Brief, candidates: list[_Candidate], taken: list[str], grounds: BriefGrounds, models: ResidentModels,
) -> tuple[_Candidate, float, int]:
    """The best candidate whose every sentence also means what the brief says.

    Score: relevance to the product (MiniLM) 0.5, readability 0.3, variety against the
    copy already chosen for other platforms 0.2, and 0.1 more for the LLM's own wording (a
    grounded rephrasing reads less like a template than a filled pattern). Returns
    (candidate, relevance, count).
    """
    if not candidates:
        raise ValueError(f"no copy candidate for {brief.product.name} passed the checks")
    # Copy another platform already has is used again only when nothing else passed.
    fresh = [c for c in candidates if f"{c.headline}. {c.primary_text}" not in taken]
    candidates = fresh or candidates
    texts = [f"{c.headline}. {c.primary_text}" for c in candidates]
    product_text = f"{brief.product.name}. {brief.product.description} {' '.join(brief.product.facts)}"
    relevance = cosine_similarities(product_text, texts, models)
    variety = [1.0] * len(candidates)
    if taken:
        vectors = embed_texts(texts + taken, models)
        similar = vectors[: len(texts)] @ vectors[len(texts):].T
        variety = [1.0 - float(row.max()) for row in similar]
    order = sorted(range(len(candidates)),
                   key=lambda i: -(0.5 * relevance[i] + 0.3 * _fluency(candidates[i]) + 0.2 * variety[i]
                                   + (LLM_WORDING_BONUS if candidates[i].source == "llm" else 0.0)))
    for index in order:
        candidate = candidates[index]
        meaning = [grounds.check("", getattr(candidate, name), models) for name in ("headline", "primary_text")]
        if all(line.supported for line in meaning):
            return candidate, relevance[index], len(candidates)
    raise ValueError(f"no copy candidate for {brief.product.name} kept the brief's meaning")


def word_budgets(variant: Variant, words_per_second: float) -> list[int]:
    """How many words each scene's voiceover line may have."""
    return [max(2, math.floor(scene.seconds * words_per_second)) for scene in variant.scenes]


def least_words(budget: int) -> int:
    """A line shorter than this leaves its scene silent for too long."""
    return max(2, math.ceil(0.5 * budget))


def script_problems(lines: list[str], budgets: list[int], brief: Brief) -> list[str]:
    grounds = grounds_for(brief.model_dump())
    problems: list[str] = []
    for index, (line, budget) in enumerate(zip(lines, budgets)):
        count = len(line.split())
        if count == 0:
            problems.append(f"line {index + 1} is empty")
        elif count > budget:
            problems.append(f"line {index + 1} has {count} words; its scene allows {budget}")
        elif count < least_words(budget):
            problems.append(f"line {index + 1} has {count} words; write at least {least_words(budget)} to fill its scene")
        problems += [f"line {index + 1}: {p}" for p in readability_problems(line, "the line", sentence=True)]
        if index and line.strip().lower() == lines[index - 1].strip().lower():
            problems.append(f"line {index + 1} repeats line {index}")
        problems += [f"line {index + 1}: {p}" for p in grounds.problems(line)]
    return problems


def fit_phrase(text: str, budget: int) -> str | None:
    """``text`` within ``budget`` words, cut only where a phrase ends; None if no such cut exists.

    A cut keeps at least half the text (and two words): "A service" is not what "A service
    where an accountant files your tax return" says. A comma ends a phrase only before a new
    clause ("steeped for 18 hours, sold in cans"), never inside a list of words ("for a slow,
    even pour").
    """
    tokens = text.split()
    if len(tokens) <= budget:
        return text
    for end in range(budget, max(1, math.ceil(len(tokens) / 2) - 1), -1):
        head, following = tokens[:end], tokens[end]
        last = re.sub(r"\W", "", head[-1].lower())
        if last in _DANGLING or copy_patterns.is_verb_form(head[-1]):
            continue  # "Steeped for 18 hours, sold" leaves its verb without what it sold
        if head[-1].endswith(","):
            if _starts_a_clause(following):
                return " ".join(head).rstrip(",;:")
            continue
        if head[-1].endswith((";", ":")) or following.lower() in neutral_words():
            return " ".join(head).rstrip(",;:")
    return None


def _starts_a_clause(word: str) -> bool:
    """Whether a word after a comma begins a new clause (a conjunction, or a verb)."""
    return re.sub(r"\W", "", word.lower()) in _CLAUSE_WORDS or copy_patterns.is_verb_form(word)


def pattern_script(brief: Brief, variant: Variant, budgets: list[int]) -> list[str]:
    """One line per scene from the pattern library, each within its budget and filling its scene.

    A scene's line is its purpose's first pattern that fits and is not already spoken,
    topped up with the brief's facts (the price first, on the call to action) until it
    fills at least half its scene.
    """
    library = copy_patterns.library()["script"]
    cta = copy_patterns.calls_to_action(brief)[0]
    facts = brief.product.facts or [s.rstrip(".") for s in brief.product.description.split(". ") if s.strip()]
    fact_sentences = [copy_patterns.sentence_case(f.strip().rstrip(".")) for f in facts]
    description = [copy_patterns.sentence_case(s.strip().rstrip(".")) for s in brief.product.description.split(". ")
                   if s.strip() and s.strip().rstrip(".") not in facts]
    spoken: list[str] = []  # sentences already used, lower-cased

    def fresh(sentence: str | None, room: int) -> str | None:
        fitted = fit_phrase(sentence.rstrip("."), room) if sentence else None
        return fitted if fitted and fitted.lower() not in spoken else None

    lines: list[str] = []
    for scene, budget in zip(variant.scenes, budgets):
        slots = copy_patterns.Slots.from_brief(brief, copy_patterns.rotated(facts, max(0, scene.index - 1)), cta)
        options = copy_patterns.fill_all(library[scene.purpose], slots)
        first = next((f for f in (fresh(o, budget) for o in options) if f), None)
        sentences = [first or fit_phrase(brief.product.name, budget) or brief.product.name.split()[0]]
        spoken.append(sentences[0].lower())
        extras = ([f"Just {brief.product.price}"] if brief.product.price and scene.purpose == "cta" else [])
        # The hook's first pattern leads into the first fact's scene: top it up from the other end.
        extras += copy_patterns.rotated(fact_sentences, -1 if scene.purpose == "hook" else scene.index)
        extras += [*description, f"From {brief.brand.name}"]
        if brief.audience and brief.audience != "general audience":
            extras.append(f"For {brief.audience}")
        for extra in extras:
            count = sum(len(s.split()) for s in sentences)
            if count >= least_words(budget):
                break
            fitted = fresh(extra, budget - count)
            if fitted:
                sentences.append(fitted)
                spoken.append(fitted.lower())
        lines.append(" ".join(s.rstrip(".") + "." for s in sentences))
    return lines


def write_voiceover_script(
    brief: Brief, variant: Variant, llm: AgentLLM, settings: CopywriterSettings, models: ResidentModels,
    feedback: list[str] | None = None, words_per_second: float = WORDS_PER_SECOND,
) -> list[ScriptLine]:
    """One spoken sentence (or two) per scene, each filling its scene within its word budget
    (``words_per_second``: ``[tts] words_per_second``)."""
    budgets = word_budgets(variant, words_per_second)
    grounds = grounds_for(brief.model_dump())
    # Models overshoot a word limit by one or two: ask for fewer words than the scene allows.
    scene_list = "\n".join(
        f"Scene {i + 1} ({scene.purpose}): {least_words(budgets[i])} to {max(least_words(budgets[i]), budgets[i] - 2)} words"
        for i, scene in enumerate(variant.scenes)
    )
    prompt = load_prompt(
        "write_voiceover",
        product_name=brief.product.name,
        facts="; ".join(brief.product.facts) or brief.product.description,
        brand_voice=brief.brand.voice,
        key_messages="; ".join(variant.key_messages),
        scene_list=scene_list,
        cta=copy_patterns.calls_to_action(brief)[0],
    )
    if feedback:
        prompt += "\n\n" + load_prompt("revise_copy", problems="\n".join(f"- {p}" for p in feedback))
    draft = llm.structured(
        [{"role": "user", "content": prompt}], _script_draft_model(len(budgets), max(budgets)),
        seed=int(variant.id[1:]) + (500 if feedback else 0), max_tokens=60 + 4 * sum(budgets),
        check=lambda d: script_problems(d.lines, budgets, brief), max_retries=settings.reasks,
    )
    texts, source = ([line.strip() for line in draft.lines], "llm") if draft is not None else (
        pattern_script(brief, variant, budgets), "pattern")
    lines = [ScriptLine(scene_index=i, text=text, word_budget=budgets[i], source=source,  # type: ignore[arg-type]
                        grounding=grounds.check(f"script[{i}]", text, models)) for i, text in enumerate(texts)]
    if source == "llm" and not all(line.grounding.supported for line in lines):  # type: ignore[union-attr]
        patterned = pattern_script(brief, variant, budgets)
        lines = [line if line.grounding.supported else ScriptLine(  # type: ignore[union-attr]
            scene_index=line.scene_index, text=patterned[line.scene_index], word_budget=line.word_budget,
            source="pattern", grounding=grounds.check(f"script[{line.scene_index}]", patterned[line.scene_index], models),
        ) for line in lines]
    return lines


def thin_brief_notes(brief: Brief) -> list[str]:
    """What the marketer should know about a brief too thin for varied copy."""
    if not brief.product.facts:
        return ["The brief lists no product facts, so the copy only restates the product's name, brand and "
                "description. Add facts (what it does, what it is made of, numbers) for richer copy."]
    if len(brief.product.facts) < 2:
        return ["The brief lists one product fact; every platform's copy leans on it. Add more facts for variety."]
    return []


def write_variant_copy(
    brief: Brief, variant: Variant, llm: AgentLLM, models: ResidentModels,
    settings: CopywriterSettings, feedback: dict[str, list[str]] | None = None,
    previous: VariantCopy | None = None, progress: ProgressCallback = ignore_progress,
    words_per_second: float = WORDS_PER_SECOND,
) -> VariantCopy:
    """All copy for one variant: every platform of the brief plus the voiceover script.

    With ``previous`` copy and ``feedback``, only the targets named in the feedback (a
    platform or ``"script"``) are rewritten; everything else is kept as it was.
    """
    feedback = feedback or {}

    def redo(target: str) -> bool:
        return previous is None or target in feedback

    texts = len(brief.platforms) + 1  # each platform's copy, then the script
    platforms: dict[str, PlatformCopy] = {}
    for number, platform in enumerate(brief.platforms, start=1):
        if redo(platform):
            progress(f"for {PLATFORM_LIMITS[platform].label}, {number} of {texts}", (number - 1) / texts)
            taken = [f"{p.headline}. {p.primary_text}" for p in platforms.values()]
            platforms[platform] = write_platform_copy(
                brief, variant, platform, llm, models, settings, feedback.get(platform), taken)
        else:
            platforms[platform] = previous.platforms[platform]  # type: ignore[union-attr]
    if redo("script"):
        progress(f"the voiceover script, {texts} of {texts}", (texts - 1) / texts)
    script = (
        write_voiceover_script(brief, variant, llm, settings, models, feedback.get("script"), words_per_second)
        if redo("script") else previous.script  # type: ignore[union-attr]
    )
    written = VariantCopy(variant_id=variant.id, platforms=platforms, script=script, notes=thin_brief_notes(brief))
    # A headline the marketer wrote stays as written whatever else is rewritten.
    if previous is None:
        return written
    return written.with_own_headlines(previous.own_headlines).with_own_scene_texts(previous.own_scene_texts)


class SloganDraft(BaseModel):
    slogan: str = Field(min_length=2, max_length=70)


def _unrelated(slogan: str, description: str) -> list[str]:
    found = {w for w in re.findall(r"[a-z]{4,}", description.lower())}
    if found and not found & set(re.findall(r"[a-z]{4,}", slogan.lower())):
        return ["the slogan must name something from the description"]
    return []


def _first_clause(text: str, limit: int) -> str:
    clause = re.split(r"[.,;:]", text, maxsplit=1)[0].strip()
    return clause if len(clause) <= limit else clause[: limit - 1].rsplit(" ", 1)[0]


def write_slogan(description: str, llm: AgentLLM, *, seed: int = 0) -> str:
    """A short slogan from a company description (the copy eval's task).

    Falls back to the description's first clause when the model gives no valid answer.
    """
    facts = {"product": {"description": description}}
    draft = llm.structured(
        [{"role": "user", "content": load_prompt("write_slogan", description=description[:600])}],
        SloganDraft, seed=seed, max_tokens=40,
        check=lambda d: unsupported_claims(d.slogan, facts) + _unrelated(d.slogan, description),
    )
    if draft is not None:
        return draft.slogan.strip()
    return _first_clause(description, 70)
