"""A brief from a product page: the page's own facts, each with where it was found.

``adloom brief from-page``, ``POST /api/briefs/from-page`` and a link pasted in the chat
all come here. The page is fetched under the crawler's address rules
(:mod:`adloom.tools.scrape.page_fetch`); its schema.org JSON-LD, microdata and OpenGraph give
the product (:mod:`adloom.tools.scrape.product_pages`), and its text (:mod:`adloom.tools.scrape.page_text`)
fills what the markup leaves out: name, description, price, images, and the selling
points from feature lists and spec tables when the markup states few.

Nothing is reworded. A value is the page's text, or a whole sentence of it; a spec row
becomes ``name: value``; a price becomes its amount with the currency's sign or code.
The page's own marketing claims ("best", "#1", "award-winning") are kept out of the
facts the ad may state and listed under ``sources.held_back``, so the marketer decides
whether the ad repeats them. What the page does not give (brand colours, platforms,
audience) is defaulted and said in ``notes``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path
from typing import Any

import yaml

from adloom.agents.brief import DEFAULT_COLORS, Brief, BriefError, SourcedValue, brand_colors, parse_brief
from adloom.agents.chat_planner import BriefDraft
from adloom.storage.assets import AssetStore
from adloom.tools.scrape.items import ParseError
from adloom.tools.scrape.page_fetch import (
    MAX_IMAGE_BYTES,
    FetchedPage,
    FetchRules,
    PageFetchError,
    fetch,
    rules_for_page,
)
from adloom.tools.scrape.page_text import PageText, PageTooComplex, clean_text, read_page_text
from adloom.tools.scrape.product_pages import extract_products

MAX_IMAGES = 4
IMAGE_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
MAX_FACTS = 10
MAX_FACT_CHARS = 200
MAX_DESCRIPTION_CHARS = 2000
CURRENCY_SIGN = {"USD": "$", "EUR": "€", "GBP": "£"}
DEFAULT_PLATFORMS = ["tiktok"]
DEFAULT_AUDIENCE = "general audience"

# The page's marketing claims: superlatives, rankings, awards and guarantees. Kept as the
# page's claims, never as facts the ad may repeat on its own.
PAGE_CLAIM = re.compile(
    r"(?<![\w#])(?:#\s?1|no\.\s?1|number one|best(?:[- ]selling|[- ]in[- ]class)?|bestsell(?:er|ing)|top[- ]rated|"
    r"award[- ]winning|award|leading(?:[- ]edge)?|industry[- ]leading|world'?s (?:first|finest|best|leading)|"
    r"world[- ]class|ultimate|unbeatable|unrivall?ed|unmatched|revolutionary|perfect|greatest|finest|"
    r"fastest|cheapest|strongest|lowest price|guarantee[ds]?|clinically proven|proven|"
    r"most (?:advanced|popular|powerful|trusted|comfortable|loved)|only one|100 ?%)(?!\w)",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


class PageBriefError(ValueError):
    """The page cannot become a brief. ``problems`` holds one line each, saying what to do."""

    def __init__(self, problems: list[str], products: list[str] | None = None):
        self.problems = problems
        self.products = products or []  # on a page with several products, their names: one must be chosen
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Found:
    """One value read from the page, and where."""

    text: str
    syntax: str  # json-ld | microdata | opengraph | text
    selector: str
    original: str = ""


@dataclass
class PageBrief:
    """The brief made from a page, and what the marketer should hear about it."""

    brief: Brief
    notes: list[str] = field(default_factory=list)

    def yaml_text(self) -> str:
        """The brief as YAML with a header that says where it came from and what to review."""
        return brief_yaml(self.brief)


def page_claims(text: str) -> list[str]:
    """The marketing claims in ``text`` as the page writes them ("Best", "#1"), in order, once each."""
    return list(dict.fromkeys(match.group(0) for match in PAGE_CLAIM.finditer(text)))


def sentences(text: str) -> list[str]:
    return [part.strip() for part in SENTENCE_END.split(text) if part and part.strip()]


def _plain(value: str | None) -> str:
    """A structured value as text: markup a page put inside it removed, whitespace collapsed."""
    if not value:
        return ""
    if "<" in value:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(value, "lxml")
        for element in soup.find_all(("script", "style")):
            element.decompose()
        value = soup.get_text(" ")
    return clean_text(value)


# --- which product ------------------------------------------------------------------------


def _nested(product: dict, others: list[dict]) -> bool:
    """True when ``product`` sits inside another product (a related or accessory product)."""
    at = product["locator"]
    return any(other is not product and at.startswith(other["locator"]) and at != other["locator"] for other in others)


def _candidates(products: list[dict]) -> list[list[dict]]:
    """The page's products, each as its records from every syntax (JSON-LD first), OpenGraph aside."""
    marked = [p for p in products if p["syntax"] != "opengraph" and re.search(r"\w", _plain(p.get("name")))]
    groups: dict[str, list[dict]] = {}
    for product in marked:
        if not _nested(product, marked):
            groups.setdefault(_plain(product["name"]).casefold(), []).append(product)
    return list(groups.values())


def _choose(groups: list[list[dict]], choice: str | None) -> list[dict]:
    def label(group: list[dict]) -> str:
        price = group[0].get("price")
        return _plain(group[0]["name"]) + (f" ({price} {group[0].get('currency') or ''})".rstrip() if price else "")

    if choice:
        if choice.isdigit() and 1 <= int(choice) <= len(groups):
            return groups[int(choice) - 1]
        named = [g for g in groups if choice.casefold() in _plain(g[0]["name"]).casefold()]
        if len(named) == 1:
            return named[0]
        listed = "; ".join(f"{i}) {label(g)}" for i, g in enumerate(groups, 1))
        raise PageBriefError([f"--product {choice!r} matches {len(named)} of the page's products: {listed}"])
    if len(groups) > 1:
        listed = "; ".join(f"{i}) {label(g)}" for i, g in enumerate(groups, 1))
        raise PageBriefError([f"the page shows {len(groups)} products: {listed}; choose one by its name "
                              "(on the command line: --product NUMBER or --product NAME)"],
                             products=[_plain(g[0]["name"]) for g in groups])
    return groups[0]


def _field(records: list[dict], name: str) -> Found | None:
    """The first record's value of ``name``, with where it was found."""
    for record in records:
        value = _plain(record.get(name))  # markup inside a value is dropped, never kept, not even as the original
        if value:
            return Found(value, record["syntax"], record.get("where", {}).get(name, record["locator"]))
    return None


# --- the product's values -------------------------------------------------------------------


@dataclass
class PageReading:
    """Everything read from the page for the chosen product, before it becomes a brief."""

    values: dict[str, Found] = field(default_factory=dict)
    facts: list[Found] = field(default_factory=list)
    images: list[Found] = field(default_factory=list)
    held_back: list[Found] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _price(records: list[dict], text: PageText) -> Found | None:
    for record in records:
        amount = _plain(record.get("price"))
        if not amount:
            continue
        currency = _plain(record.get("currency")).upper()
        sign = CURRENCY_SIGN.get(currency)
        written = f"{sign}{amount}" if sign else f"{amount} {currency}".strip()
        where = record.get("where", {})
        selector = where.get("price", record["locator"]) + (f" + {where['currency']}" if currency else "")
        original = f"{amount} {currency}".strip()  # the two values as the page's markup gives them
        return Found(written, record["syntax"], selector, "" if original == written else original)
    if text.prices:
        first = text.prices[0]
        return Found(first.text, "text", first.selector)
    return None


def _name_from_text(text: PageText) -> Found | None:
    if text.heading:
        return Found(text.heading.text, "text", text.heading.selector)
    if text.title:
        name = re.split(r"\s+[|–—]\s+", text.title.text)[0]  # "Anvil | ACME Shop": the part before the shop
        return Found(name, "text", text.title.selector, "" if name == text.title.text else text.title.text)
    if text.paragraphs and len(text.paragraphs[0].text) <= 120:  # a page of bare text: its first line
        return Found(text.paragraphs[0].text, "text", text.paragraphs[0].selector)
    return None


def _description(found: Found | None, reading: PageReading) -> Found | None:
    """The description without the sentences that carry the page's claims (those are held back)."""
    if found is None:
        return None
    kept, held = [], []
    for sentence in sentences(found.text):
        (held if page_claims(sentence) else kept).append(sentence)
    if not kept:  # every sentence is a claim: keep it, and say so (see notes)
        return found
    reading.held_back += [Found(sentence, found.syntax, found.selector, found.text) for sentence in held]
    text = ""
    for sentence in kept:
        if len(text) + len(sentence) + 1 > MAX_DESCRIPTION_CHARS:
            break
        text = f"{text} {sentence}".strip()
    return Found(text, found.syntax, found.selector, found.original or ("" if text == found.text else found.text))


def _add_fact(reading: PageReading, fact: Found) -> None:
    if not fact.text or len(fact.text) > MAX_FACT_CHARS:
        return
    known = {f.text.casefold() for f in reading.facts + reading.held_back}
    if fact.text.casefold() in known:
        return
    if page_claims(fact.text):
        reading.held_back.append(fact)
    elif len(reading.facts) < MAX_FACTS:
        reading.facts.append(fact)


def read_product(page: FetchedPage, choice: str | None = None) -> PageReading:
    """The chosen product's values, facts and image URLs, each with where it was found.

    Raises:
        PageBriefError: no product on the page, several and none chosen, an error page or a
            sign-in page.
    """
    try:
        products = extract_products(page.body, page.url)
    except ParseError as exc:
        raise PageBriefError([f"{page.url}: {exc}"]) from None
    reading = PageReading()
    try:
        text = read_page_text(page.body, page.url)
    except PageTooComplex as exc:
        text = PageText()  # the structured data (read above, by lxml) may still give the product
        reading.notes.append(f"the page's text was not read: {exc}")
    groups = _candidates(products)
    opengraph = [p for p in products if p["syntax"] == "opengraph"]
    if groups:
        records = _choose(groups, choice) + opengraph  # OpenGraph describes the page: it fills gaps
        reading.values["name"] = _field(records[:1], "name")
    else:
        not_a_product = ((text.looks_like_login_wall(), "a sign-in page"), (text.looks_like_error_page(), "an error page"))
        for reason, why in not_a_product:
            if reason:
                raise PageBriefError([f"{page.url} looks like {why} ({reason}), not a product page; "
                                      "open it in your browser, save it as HTML and pass the file instead"])
        records = opengraph
        name = _field(records, "name") or _name_from_text(text)
        if name is None:
            unread = f" ({reading.notes[-1]})" if reading.notes else ""
            raise PageBriefError([f"{page.url}: no product found (no schema.org Product, OpenGraph product "
                                  f"or heading){unread}; pass the product's own page, not a listing or a home page"])
        reading.values["name"] = name

    for key in ("brand", "url"):
        found = _field(records, key)
        if found:
            reading.values[key] = found
    if "brand" not in reading.values and text.site_name:
        reading.values["brand"] = Found(text.site_name.text, "text", text.site_name.selector)
        reading.notes.append(f"brand.name: the page names no brand; took the site's name {text.site_name.text!r} "
                             f"({text.site_name.selector}): check it is the brand, not the shop")
    description = _field(records, "description")
    if description is None and text.description:
        description = Found(text.description.text, "text", text.description.selector)
    if description is None and text.paragraphs:
        first = next((p for p in text.paragraphs if p.text != reading.values["name"].text), None)
        description = Found(first.text, "text", first.selector) if first else None
    description = _description(description, reading)
    if description is not None:
        reading.values["description"] = description
    price = _price(records, text)
    if price is not None:
        reading.values["price"] = price

    for record in records:
        for prop in record.get("properties", []):
            stated = f"{_plain(prop['name'])}: {_plain(prop['value'])}"
            _add_fact(reading, Found(stated, record["syntax"], prop["where"]))
    if len(reading.facts) < 3:  # the markup states few facts: the page's feature lists and spec tables
        for piece in text.features + text.specs:
            _add_fact(reading, Found(piece.text, "text", piece.selector))
    if len(reading.facts) < 2 and description is not None:  # still thin: the description's own sentences
        for sentence in sentences(description.text):
            if not page_claims(sentence):  # a claim in the description is already said aloud
                _add_fact(reading, Found(sentence, description.syntax, description.selector, description.text))

    urls: list[Found] = []
    for record in records:
        at = record.get("where", {}).get("image", record["locator"])
        urls += [Found(image, record["syntax"], at) for image in record.get("images", [])]
    if not urls:
        urls = [Found(piece.text, "text", piece.selector) for piece in text.images]
    unique: dict[str, Found] = {}
    for image in urls:
        unique.setdefault(image.text, image)
    reading.images = list(unique.values())[:MAX_IMAGES]
    return reading


# --- images -------------------------------------------------------------------------------


def store_images(
    images: list[Found], rules: FetchRules, assets: AssetStore,
) -> tuple[list[tuple[Found, str]], list[str]]:
    """Download each image, keep those that decode as images, store them by content.

    Returns:
        (image, stored path) for the good ones, and one note per image left out, saying why.
    """
    from adloom.tools.image.inputs import ImageInputError, load_image

    image_rules = FetchRules(allowed_private=rules.allowed_private, local_root=rules.local_root,
                             max_bytes=MAX_IMAGE_BYTES, timeout_s=rules.timeout_s)
    stored: list[tuple[Found, str]] = []
    notes: list[str] = []
    scratch = assets.scratch_dir()
    try:
        for index, image in enumerate(images):
            try:
                fetched = fetch(image.text, image_rules)
            except PageFetchError as exc:
                notes.append(f"image {image.text} left out: {exc}")
                continue
            candidate = scratch / f"image-{index}"
            candidate.write_bytes(fetched.body)
            try:
                decoded = load_image(f"image {image.text}", candidate)
            except ImageInputError as exc:
                reason = str(exc).removeprefix(f"{exc.field}: {exc.path} ")
                notes.append(f"image {image.text} left out: it {reason}")
                continue
            named = candidate.with_suffix(IMAGE_SUFFIXES.get(_format_of(candidate), ".png"))
            candidate.rename(named)
            ref = assets.put_file(named, kind="image", tool="input", move=True, metadata={
                "source_url": image.text, "width": decoded.width, "height": decoded.height})
            stored.append((image, ref.path))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return stored, notes


def _format_of(path: Path) -> str:
    from PIL import Image

    with Image.open(path) as opened:
        return opened.format or ""


# --- the brief ----------------------------------------------------------------------------


def _sourced(field_name: str, found: Found) -> dict[str, Any]:
    return SourcedValue(field=field_name, text=found.text, original=found.original, syntax=found.syntax,
                        selector=found.selector, page_claims=page_claims(found.text)).model_dump()


@dataclass
class PreparedBrief:
    """A page read into a valid brief, before its images are downloaded (nothing stored yet)."""

    data: dict[str, Any]
    images: list[Found]
    rules: FetchRules
    notes: list[str]
    page_url: str

    @property
    def product_name(self) -> str:
        return self.data["product"]["name"]

    def finish(self, assets: AssetStore) -> PageBrief:
        """Download and check the images, store the good ones, and return the brief with them."""
        data, notes = self.data, list(self.notes)
        stored, image_notes = store_images(self.images, self.rules, assets)
        notes += image_notes
        data["product"]["images"] = [path for _image, path in stored]
        data["sources"]["values"] += [  # the brief names the stored file; the page named the URL
            {**_sourced(f"product.images[{i}]", image), "text": path, "original": image.text}
            for i, (image, path) in enumerate(stored)]
        defaulted = data["sources"]["defaulted"]
        if not stored:
            defaulted.append("product.images: no usable image on the page; the brand template draws without a photo")
        notes += [f"defaulted {line}" for line in defaulted]
        held = len(data["sources"]["held_back"])
        if held:
            notes.append(f"held back the page's claims ({held}, under sources.held_back): copy one into "
                         "product.facts if the ad may repeat it")
        return PageBrief(brief=_validate(data, self.page_url), notes=notes)


def prepare_page_brief(
    target: str,
    *,
    allow_private: bool = False,
    product: str | None = None,
    brand: str | None = None,
    platforms: list[str] | None = None,
    audience: str | None = None,
    timeout_s: float = 15.0,
) -> PreparedBrief:
    """Fetch a product page (a URL or a saved HTML file) and read it into a valid brief, images still to fetch.

    Args:
        allow_private: the page's own host and port may be a private or loopback address.
        product: which product, on a page with several (a 1-based number or part of its name).
        brand, platforms, audience: the marketer's own values, which win over the page and the defaults.

    Raises:
        PageBriefError: the page cannot be fetched, is not a product page, or the brief it
            gives is not valid; one line per problem.
    """
    try:
        rules = rules_for_page(target, allow_private=allow_private, timeout_s=timeout_s)
        page = fetch(target, rules)
    except PageFetchError as exc:
        raise PageBriefError([str(exc)]) from None
    reading = read_product(page, product)
    values = reading.values
    notes = list(reading.notes)
    sourced: list[dict[str, Any]] = []
    defaulted: list[str] = []

    if brand:
        brand_name = brand
    elif "brand" in values:
        brand_name = values["brand"].text
        sourced.append(_sourced("brand.name", values["brand"]))
    else:
        raise PageBriefError([f"{page.url}: the page names no brand (no schema.org brand, product:brand or site "
                              "name); say which brand it is (on the command line: --brand NAME)"])
    defaulted.append("brand.colors: not on the page; taken from the product photo, or the default "
                     f"{', '.join(DEFAULT_COLORS)} without one")
    product_data: dict[str, Any] = {"name": values["name"].text}
    sourced.append(_sourced("product.name", values["name"]))
    if "description" in values:
        product_data["description"] = values["description"].text
        sourced.append(_sourced("product.description", values["description"]))
        claims = page_claims(values["description"].text)
        if claims:
            notes.append(f"product.description is all the page's claims ({', '.join(claims)}); the ad may repeat "
                         "them: rewrite it if it must not")
    else:
        product_data["description"] = values["name"].text
        defaulted.append("product.description: the page has none; the product's name stands in: write one")
    product_data["facts"] = [fact.text for fact in reading.facts]
    sourced += [_sourced(f"product.facts[{i}]", fact) for i, fact in enumerate(reading.facts)]
    if "price" in values:
        product_data["price"] = values["price"].text
        sourced.append(_sourced("product.price", values["price"]))
    page_url = values["url"].text if "url" in values and values["url"].text.startswith("http") else page.url
    if len(page_url) <= 500:
        product_data["url"] = page_url
    if not audience:
        defaulted.append(f"audience: not on the page; {DEFAULT_AUDIENCE!r}")
    if not platforms:
        defaulted.append(f"platforms: not on the page; {', '.join(DEFAULT_PLATFORMS)}")
    data: dict[str, Any] = {
        "brand": {"name": brand_name},
        "product": product_data,
        "audience": audience or DEFAULT_AUDIENCE,
        "platforms": platforms or DEFAULT_PLATFORMS,
        "sources": {
            "page": page.url, "page_sha256": sha256(page.body).hexdigest(),
            "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "values": sourced, "held_back": [_sourced("", found) for found in reading.held_back],
            "defaulted": defaulted,
        },
    }
    _validate(data, page.url)
    return PreparedBrief(data=data, images=reading.images, rules=rules, notes=notes, page_url=page.url)


def brief_from_page(target: str, *, assets: AssetStore, **options: Any) -> PageBrief:
    """:func:`prepare_page_brief`, then its images stored in ``assets``: the whole brief from a page."""
    return prepare_page_brief(target, **options).finish(assets)


def _validate(data: dict, source: str) -> Brief:
    try:
        return parse_brief(data, source=source)
    except BriefError as exc:
        problems = [f"the brief from {source} would be invalid: {problem}" for problem in exc.problems]
        raise PageBriefError(problems) from None


def brief_yaml(brief: Brief) -> str:
    """The brief as YAML for the marketer to review and run, with a header on where it came from."""
    dumped = brief.model_dump(mode="json", exclude_defaults=True)
    dumped["brand"]["colors"] = brand_colors(brief)  # the colours the ad will use, for the marketer to edit
    dumped["platforms"] = brief.platforms
    dumped["audience"] = brief.audience
    data = {key: dumped[key] for key in ("brand", "product", "audience", "platforms")}
    data.update({key: value for key, value in dumped.items() if key not in data and key != "sources"})
    if "sources" in dumped:
        data["sources"] = dumped["sources"]
    header = ["# Brief made by `adloom brief from-page`: review it, then `adloom run` it."]
    if brief.sources is not None:
        header.append(f"# Page: {brief.sources.page}")
        header.append("# sources.values: where each value was found (selector) and how (syntax); "
                      "runs keep this section and never show it.")
        if brief.sources.held_back:
            header.append(f"# sources.held_back: {len(brief.sources.held_back)} of the page's own claims "
                          "('best', '#1', ...), kept out of product.facts; copy one there if the ad may repeat it.")
        for line in brief.sources.defaulted:
            header.append(f"# defaulted {line}")
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(header) + "\n" + body


def write_brief_file(result: PageBrief, path: Path) -> None:
    """Write the brief YAML atomically (a reader never sees half a brief)."""
    from adloom.storage.files import write_bytes_atomic

    write_bytes_atomic(path, result.yaml_text().encode("utf-8"))



# --- a link pasted in the chat ------------------------------------------------------------

LINK = re.compile(r"https?://[^\s<>\"'`]+")


def page_link(text: str) -> str | None:
    """The first http(s) link in a message, without the punctuation that ends its sentence."""
    match = LINK.search(text)
    return match.group(0).rstrip(".,;:!?)]}") if match else None


def _named_in(products: list[str], message: str) -> str | None:
    """The one product whose name's distinctive words the message says ("the electric one" -> "... Electric Grinder")."""
    said = set(re.findall(r"\w+", message.casefold()))
    word_sets = [set(re.findall(r"\w+", name.casefold())) for name in products]
    common = set.intersection(*word_sets) if word_sets else set()
    named = [name for name, words in zip(products, word_sets) if (words - common) & said]
    return named[0] if len(named) == 1 else None


def read_linked_page(
    url: str, draft: BriefDraft, assets: AssetStore, *, allow_private: bool, message: str = "",
) -> tuple[BriefDraft, str]:
    """The chat's brief draft with what the page at ``url`` says, and the message telling the marketer.

    The marketer's own brand name wins over the page's; audience, platforms and length stay
    the conversation's to settle. The page's facts, price, images and sources ride along in
    ``draft.page`` into the brief the run gets. On a page with several products, the one
    the marketer's ``message`` names (by the words that tell it from the others) is taken.
    """
    try:
        try:
            result = brief_from_page(url, assets=assets, allow_private=allow_private, brand=draft.brand_name)
        except PageBriefError as exc:
            chosen = _named_in(exc.products, message.replace(url, " "))
            if chosen is None:
                raise
            result = brief_from_page(url, assets=assets, allow_private=allow_private, brand=draft.brand_name,
                                     product=chosen)
    except PageBriefError as exc:
        return draft, f"I could not read a brief from {url}: {'; '.join(exc.problems)}"
    brief = result.brief
    data = brief.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    product = {key: value for key, value in data["product"].items() if key not in ("name", "description")}
    page = {"product": product, "sources": data["sources"]}
    updated = draft.model_copy(update={"brand_name": brief.brand.name, "product_name": brief.product.name,
                                       "product_description": brief.product.description, "page": page})
    said = [f"I read {url}: {brief.product.name} by {brief.brand.name}"
            + (f", {brief.product.price}" if brief.product.price else "") + "."]
    if brief.product.facts:
        said.append("Facts from the page: " + "; ".join(brief.product.facts) + ".")
    said.append(f"{len(brief.product.images)} product image(s) kept.")
    if brief.sources and brief.sources.held_back:
        claims = "; ".join(f"\"{value.text}\"" for value in brief.sources.held_back)
        said.append(f"The page also claims {claims}: I left that out of the facts the ad may state.")
    return updated, " ".join(said)
