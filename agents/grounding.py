"""Grounding: whether a text may reach a viewer, and which brief facts it rests on.

One decision for every text a viewer or reader meets (platform copy, hashtags, the CTA,
the voiceover script, the planner's key messages, the words on images, chat summaries).
It works by allow-list, not by a list of forbidden phrases:

- every content word must come from the brief (product name, description, facts, price,
  brand name, audience, the trend it took in) or from the reviewed neutral lexicon
  (``grounding_data/neutral_words.yaml``: grammar, calls to action, time words);
- words that make a claim (health, medical, environmental, safety, superlative,
  comparative, offer, novelty: ``grounding_data/claim_words.yaml``) pass only when the
  product's own entries state them;
- every number must be in the brief, with the unit the brief gives it;
- what the brief negates stays negated ("no added sugar" cannot become "added sugar");
- no letters from a script the brief does not use;
- no run of three words from a prompt or another brief that this brief does not contain
  (copy for another product cannot leak back);
- each sentence must mean something close to the brief facts it draws on (MiniLM
  similarity), which also gives the trace the manifest records for every line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from adloom.tools.context import ResidentModels
from adloom.tools.embeddings.tool import embed_texts

MEANING_THRESHOLD = 0.45
"""Least MiniLM similarity between a sentence and the brief entries it draws on.

Restating a fact scores 0.8-0.99 against it (the pattern library's sentences on the eval's
briefs); loose recombinations of a brief's words score lower ("Water keeps steel." 0.38
against a steel bottle that keeps drinks cold). MiniLM misses subtler ones ("Bottle keeps
hikers cold." 0.72), which is why numbers are also held to their own context."""

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+(?:[.,]\d+)*%?", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.])[$€£¥]?\d+(?:[.,]\d+)*(?:\s?(?:%|percent))?")
_HASHTAG = re.compile(r"#(\w+)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NEGATED_PHRASE = re.compile(r"\b(?:no|not|without|zero|never)\s+([\w'-]+(?:[ \t]+[\w'-]+){0,2})", re.I)
NEGATORS = frozenset({"no", "not", "without", "zero", "never", "nothing", "free", "none"})
"""Words that deny what follows ("no added sugar")."""
UNITS = frozenset({
    "ml", "l", "cl", "g", "kg", "mg", "oz", "lb", "lbs", "hour", "hours", "hr", "hrs", "minute", "minutes", "min",
    "mins", "second", "seconds", "day", "days", "week", "weeks", "month", "months", "year", "years", "km", "m", "cm",
    "mm", "mi", "miles", "inch", "inches", "w", "kw", "mah", "gb", "tb", "mb", "people", "percent", "%", "cups",
    "servings", "meals", "pieces", "pack", "pcs", "calories", "kcal", "x",
})


class LineGrounding(BaseModel):
    """What the check found for one text, and the brief facts it rests on."""

    field: str = Field(description="Where the text is used, e.g. 'tiktok.headline' or 'script[2]'.")
    text: str
    supported: bool
    problems: list[str] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list, description="The brief entries the text rests on.")


OWN_WORDS = "the marketer's own words"


def own_words_line(field_name: str, text: str) -> LineGrounding:
    """A text the marketer wrote themselves (a headline set at an approval gate): it rests on their word."""
    return LineGrounding(field=field_name, text=text, supported=True, facts=[OWN_WORDS])


@dataclass(frozen=True)
class BriefFact:
    """One entry of the brief a line can rest on, e.g. ``product.facts[1]: steeped for 18 hours``."""

    source: str
    text: str

    @property
    def label(self) -> str:
        return f"{self.source}: {self.text}"


def word_forms(word: str) -> set[str]:
    """The word and the stems it may stand for: plural, possessive, -ed, -ing, -ly.

    Deliberately no -er/-est: "colder" is a comparative claim, not a form of "cold".
    """
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    forms = {word}
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("d", ""),
                                ("ing", ""), ("ing", "e"), ("ly", ""), ("ily", "y")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.add(word[: len(word) - len(suffix)] + replacement)
    return forms


def words(text: str) -> list[str]:
    """The words of ``text`` in order, lower-cased (numbers included); "#ColdBrew" is "cold brew"."""
    text = _HASHTAG.sub(lambda match: re.sub(r"(?<=[a-z0-9])(?=[A-Z])|_", " ", match.group(1)), text)
    return [token.lower().replace("’", "'") for token in _WORD.findall(text)]


def _load_yaml(name: str) -> dict:
    return yaml.safe_load(resources.files("adloom.agents").joinpath("grounding_data", name).read_text("utf-8"))


@cache
def neutral_words() -> frozenset[str]:
    """The reviewed lexicon of words any ad text may use."""
    groups = _load_yaml("neutral_words.yaml")["groups"]
    return frozenset(str(word).lower() for group in groups.values() for word in group["words"])


@cache
def claim_words() -> dict[str, tuple[str, ...]]:
    """Claim words and phrases by category."""
    return {name: tuple(str(item).lower() for item in items) for name, items in _load_yaml("claim_words.yaml")["categories"].items()}


def _normalise_number(token: str) -> str:
    return re.sub(r"[^\d.%]", "", token.replace(",", "").replace("percent", "%")).rstrip(".")


def _scripts(text: str) -> set[str]:
    """The writing systems of the letters in ``text`` (LATIN, CYRILLIC, CJK, ...)."""
    found = set()
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            found.add(name.split(" ")[0] if name else "UNKNOWN")
    return found


def _has_phrase(haystack_words: list[str], phrase: str) -> bool:
    phrase_words = words(phrase)
    size = len(phrase_words)
    if size == 1:
        wanted = word_forms(phrase_words[0])
        return any(word_forms(word) & wanted for word in haystack_words)
    return any(haystack_words[i:i + size] == phrase_words for i in range(len(haystack_words) - size + 1))


def _trigrams(items: list[str]) -> set[tuple[str, str, str]]:
    return {tuple(items[i:i + 3]) for i in range(len(items) - 2)}  # type: ignore[misc]


@cache
def _foreign_corpus() -> tuple[str, ...]:
    """Texts another product's copy could leak from: every prompt and every brief kept in the project."""
    texts = [item.read_text("utf-8") for item in resources.files("adloom.prompts").iterdir() if item.name.endswith(".md")]
    briefs = resources.files("adloom.evals").joinpath("grounding_briefs.yaml")
    if briefs.is_file():
        for entry in yaml.safe_load(briefs.read_text("utf-8"))["briefs"]:
            texts.append(yaml.safe_dump(entry["brief"]))
    example = Path(__file__).resolve().parents[1] / "examples" / "brief.yaml"
    if example.is_file():  # a source checkout; the installed wheel has no examples
        texts.append(example.read_text("utf-8"))
    return tuple(re.sub(r"\$\w+", " ", text) for text in texts)


@dataclass
class BriefGrounds:
    """Everything a text is checked against, built once per brief.

    Args:
        brief: the brief as a dict (``Brief.model_dump()``).
        extra_sources: more text the marketer wrote that copy may draw on, as (source, text).
    """

    brief: dict
    extra_sources: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        product = self.brief.get("product", {})
        brand = self.brief.get("brand", {})
        facts: list[BriefFact] = [BriefFact("product.name", product.get("name", ""))]
        description = product.get("description", "")
        facts += [BriefFact("product.description", sentence.strip().rstrip("."))
                  for sentence in _SENTENCE_END.split(description) if sentence.strip()]
        facts += [BriefFact(f"product.facts[{i}]", fact) for i, fact in enumerate(product.get("facts", []))]
        if product.get("price"):
            facts.append(BriefFact("product.price", product["price"]))
        facts.append(BriefFact("brand.name", brand.get("name", "")))
        product_facts = list(facts)  # what the product's own entries state
        if self.brief.get("audience"):
            facts.append(BriefFact("audience", self.brief["audience"]))
        if self.brief.get("trend"):
            facts.append(BriefFact("trend", self.brief["trend"]))
        facts += [BriefFact(source, text) for source, text in self.extra_sources]
        self.facts = [fact for fact in facts if fact.text.strip()]
        all_text = " ".join(fact.text for fact in self.facts)
        claim_text = " ".join(fact.text for fact in product_facts)
        self.text_words = words(all_text)
        self.vocabulary = {form for word in self.text_words for part in [word, *word.split("-")] for form in word_forms(part)}
        self.claim_words = words(claim_text)
        name_words = {form for name in (product.get("name", ""), brand.get("name", "")) for w in words(name)
                      for form in word_forms(w)}
        self.product_vocabulary = {
            form for word in self.claim_words if not word[0].isdigit() and word not in neutral_words()
            for form in word_forms(word)
        } - name_words
        self.quotable = [fact.text.lower() for fact in self.facts if fact.source in ("audience", "trend")]
        self.claim_raw = claim_text.lower()
        number_text = " ".join(fact.text for fact in self.facts if fact.source != "trend")
        number_words = words(number_text)
        self.numbers = {_normalise_number(match) for match in _NUMBER.findall(number_text)}
        self.number_units = {
            (_normalise_number(number_words[i]), unit)
            for i in range(len(number_words) - 1) if number_words[i][0].isdigit()
            for unit in word_forms(number_words[i + 1])
        }
        self.negated = self._negated_words([fact.text for fact in product_facts])
        self.scripts = _scripts(all_text) | {"LATIN"}
        self.own_trigrams = _trigrams(self.text_words)
        self.names = [name.lower() for name in (product.get("name", ""), brand.get("name", "")) if name]
        priority = ("product.name", "brand.name", "product.facts", "product.price", "product.description")
        ranked = sorted(self.facts, key=lambda f: next((i for i, p in enumerate(priority) if f.source.startswith(p)),
                                                       len(priority)))
        self._by_priority = [(fact, {form for word in words(fact.text) for form in word_forms(word)})
                             for fact in ranked]

    @staticmethod
    def _negated_words(entries: list[str]) -> set[str]:
        """What the product's entries negate, each the last word of its phrase.

        "no added sugar" -> sugar, "does not need batteries" -> batteries, "BPA-free lid" -> bpa.
        """
        found: set[str] = set()
        for entry in entries:
            for match in _NEGATED_PHRASE.finditer(entry):
                phrase = [w for w in words(match.group(1)) if w not in neutral_words() and not w[0].isdigit()]
                if phrase:
                    found |= word_forms(phrase[-1])
            found |= {form for token in words(entry) if token.endswith("-free") for form in word_forms(token[:-5])}
        return found

    def _unquoted(self, text: str) -> str:
        """The text without the audience or trend quoted word for word (they describe the viewer)."""
        for quoted in self.quotable:
            text = re.sub(re.escape(quoted), " ", text, flags=re.IGNORECASE)
        return text

    # --- the checks ---------------------------------------------------------------------

    def known(self, word: str) -> bool:
        """Whether a word may appear: from the brief or the neutral lexicon."""
        if word[0].isdigit() or word in neutral_words():
            return True
        if word_forms(word) & self.vocabulary:
            return True
        return "-" in word and all(part in neutral_words() or word_forms(part) & self.vocabulary
                                   for part in word.split("-"))

    def product_words(self, text: str) -> list[str]:
        """The words of ``text`` that say something the product's own entries state: not a
        function word, not the product's or brand's name ("This" or "Arc Desk Lamp" say nothing)."""
        return [word for word in dict.fromkeys(words(text))
                if not word[0].isdigit() and word not in neutral_words() and word_forms(word) & self.product_vocabulary]

    def word_problems(self, text: str) -> list[str]:
        unknown = [word for word in dict.fromkeys(words(text)) if not self.known(word)]
        return [f"{', '.join(repr(w) for w in unknown)} {'is' if len(unknown) == 1 else 'are'} not in the brief"] if unknown else []

    def claim_problems(self, text: str) -> list[str]:
        # The audience quoted word for word describes the viewer, not the product ("for people saving
        # for a house"); a claim word anywhere else must be stated by the product's own entries.
        text = self._unquoted(text)
        lowered = text.lower()
        text_words = words(text)
        problems = []
        for category, phrases in claim_words().items():
            for phrase in phrases:
                if phrase.startswith("#"):  # "#1": not a word, matched as written
                    found, stated = phrase in lowered, phrase in self.claim_raw
                else:
                    found, stated = _has_phrase(text_words, phrase), _has_phrase(self.claim_words, phrase)
                if found and not stated:
                    problems.append(f"the {category} claim {phrase!r} is not stated by the brief's product")
        return problems

    def number_problems(self, text: str) -> list[str]:
        problems = []
        for match in _NUMBER.findall(text):
            number = _normalise_number(match)
            if number and number not in self.numbers and number.rstrip("%") not in self.numbers:
                problems.append(f"the number {match.strip()!r} is not in the brief")
        for sentence in _SENTENCE_END.split(text):
            problems += self._number_context_problems(sentence)
        text_words = words(text)
        for i in range(len(text_words) - 1):
            number, unit = text_words[i], text_words[i + 1]
            if number[0].isdigit() and unit in UNITS and _normalise_number(number) in self.numbers:
                if not word_forms(unit) & {u for n, u in self.number_units if n == _normalise_number(number)}:
                    problems.append(f"{number} {unit}: the brief does not give {number} in {unit}")
        return problems

    def _number_context_problems(self, sentence: str) -> list[str]:
        """A number must be said of what the brief says it of: "holds 24 hours" moves the 24 hours
        of "keeps drinks cold for 24 hours" onto another property.

        Its sentence must share a word (not a unit) with a brief entry that has the number,
        unless that entry is the number alone (a price) or the sentence has no other word.
        """
        sentence_words = words(sentence)
        content = {form for w in sentence_words if not w[0].isdigit() and w not in neutral_words() and w not in UNITS
                   for form in word_forms(w)}
        problems = []
        for token in sentence_words:
            if not token[0].isdigit() or not content:
                continue
            number = _normalise_number(token)
            said_of = [
                {form for w in fact_words if not w[0].isdigit() and w not in neutral_words() and w not in UNITS
                 for form in word_forms(w)}
                for fact_words in (words(fact.text) for fact, _ in self._by_priority)
                if number in {_normalise_number(w) for w in fact_words if w[0].isdigit()}
            ]
            if said_of and all(said_of) and not any(content & forms for forms in said_of):
                problems.append(f"{token} is said of something else than in the brief ({sentence.strip()!r})")
        return problems

    def negation_problems(self, text: str) -> list[str]:
        tokens = words(self._unquoted(text))
        problems = []
        for i, token in enumerate(tokens):
            base = token[: -len("-free")] if token.endswith("-free") else token
            if token.endswith("-free") or not word_forms(base) & self.negated:
                continue
            window = tokens[max(0, i - 3):i] + tokens[i + 1:i + 2]
            if not NEGATORS & set(window):
                problems.append(f"the brief says the product has no {token!r}; the text says otherwise")
        return problems

    def script_problems(self, text: str) -> list[str]:
        foreign = _scripts(text) - self.scripts
        return [f"letters in {', '.join(sorted(foreign)).lower()} script, which the brief does not use"] if foreign else []

    def leak_problems(self, text: str) -> list[str]:
        text_words = words(text)
        candidates = {
            gram for gram in _trigrams(text_words) - self.own_trigrams
            if any(not word[0].isdigit() and word not in neutral_words() for word in gram)
        }
        if not candidates:
            return []
        for source in _foreign_corpus():
            leaked = candidates & _trigrams(words(source))
            if leaked:
                return [f"{' '.join(sorted(leaked)[0])!r} comes from another product's text, not this brief"]
        return []

    def sources(self, sentence: str) -> list[BriefFact]:
        """The brief entries a sentence rests on: for each of its words, the most specific entry that has it.

        Names come first (so "Northwind" traces to the brand, not to every fact naming it),
        then the product's facts and price, then its description, the audience and the trend.
        """
        found: list[BriefFact] = []
        for word in words(sentence):
            if word in neutral_words():
                continue
            forms = {word} if word[0].isdigit() else word_forms(word)
            fact = next((f for f, f_forms in self._by_priority if forms & f_forms), None)
            if fact is not None and fact not in found:
                found.append(fact)
        return found

    def meaning_problems(self, text: str, models: ResidentModels) -> list[str]:
        """Sentences that, built from brief words, say something the brief does not (MiniLM)."""
        problems = []
        for sentence in (s for s in _SENTENCE_END.split(text.strip()) if s):
            sources = self.sources(sentence)
            # A sentence that only names the product or brand ("From Marrowby.") states nothing to check.
            if not sources or all(fact.source in ("product.name", "brand.name") for fact in sources):
                continue
            vectors = embed_texts([sentence, ". ".join(fact.text for fact in sources)], models)
            similarity = float(vectors[0] @ vectors[1])
            if similarity < MEANING_THRESHOLD:
                problems.append(f"{sentence!r} does not say what the brief says (similarity {similarity:.2f})")
        return problems

    def check(self, field_name: str, text: str, models: ResidentModels | None = None) -> LineGrounding:
        """Ground one text and trace it to the brief. Without ``models`` the meaning check is skipped."""
        problems = (self.word_problems(text) + self.claim_problems(text) + self.number_problems(text)
                    + self.negation_problems(text) + self.script_problems(text) + self.leak_problems(text))
        if models is not None:
            problems += self.meaning_problems(text, models)
        facts: list[BriefFact] = []
        for sentence in _SENTENCE_END.split(text.strip()):
            facts += [fact for fact in self.sources(sentence) if fact not in facts]
        return LineGrounding(field=field_name, text=text, supported=not problems, problems=problems,
                             facts=[fact.label for fact in facts])

    def problems(self, text: str) -> list[str]:
        """Every reason ``text`` may not reach a viewer (the fast checks, no model needed)."""
        return self.check("", text).problems

    def names_product(self, text: str) -> bool:
        """Whether the text names the product or the brand (or the brand's own word, e.g. "Northwind")."""
        lowered = text.lower()
        if any(name in lowered for name in self.names):
            return True
        brand_words = [w for w in words(self.brief.get("brand", {}).get("name", "")) if w not in neutral_words()]
        return bool(brand_words) and len(brand_words[0]) >= 4 and brand_words[0] in words(text)


@cache
def _grounds_cache_key(brief_repr: str) -> BriefGrounds:
    return BriefGrounds(yaml.safe_load(brief_repr))


def grounds_for(brief: dict) -> BriefGrounds:
    """The (cached) grounds of a brief dict."""
    return _grounds_cache_key(yaml.safe_dump(brief, sort_keys=True))


def unsupported_claims(text: str, brief: dict) -> list[str]:
    """Every reason ``text`` may not reach a viewer of an ad for ``brief`` (no model needed)."""
    return grounds_for(brief).problems(text)
