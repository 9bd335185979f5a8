"""A product page's own text, for when its structured data is thin: headings, feature lists, spec tables.

:mod:`adloom.tools.scrape.product_pages` reads what the page declares (schema.org, OpenGraph);
this reads what it shows, with BeautifulSoup. Every piece keeps the CSS selector of its
element and its text exactly as the page has it (whitespace collapsed, markup dropped),
so a brief built from it can point at where each value came from.

Scripts, styles, templates and frames are removed before anything is read, and so are the
page's navigation, header, footer and forms, whose lists are menus, not selling points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

NOT_CONTENT = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas")
NOT_SELLING_POINTS = ("nav", "header", "footer", "form", "aside", "menu")
FEATURE_HINT = re.compile(r"feature|highlight|benefit|bullet|selling|key-?points|why|detail|spec|about", re.I)
SPEC_HINT = re.compile(r"spec|detail|technical|attribute|propert", re.I)
ERROR_HINT = re.compile(r"\b(404|410|500|page not found|not found|no longer available|error)\b", re.I)
LOGIN_HINT = re.compile(r"\b(sign in|sign-in|log in|log-in|login|members only|access denied)\b", re.I)
SMALL_IMAGE_PX = 100
MAX_ITEM_CHARS = 300
# Caps on what is read, so a page of 300,000 list items (within the size limit) still reads in a second:
# a brief needs a few facts, not every one.
MAX_PIECES = 40  # list items per list, spec rows, paragraphs, price elements, images
MAX_LISTS = 60
# BeautifulSoup builds about 40,000 elements a second on this machine's cores; a real product page
# has a few thousand (the 900 KB shop page in the shared data: 4,901). More is refused, not read.
MAX_ELEMENTS = 60_000


class PageTooComplex(ValueError):
    """The page has more elements than a product page needs; its text is not read."""

# A price as written: a currency sign or code next to an amount ("$1,299.00", "24,90 €", "EUR 19", "4399 руб.").
CURRENCY_SIGNS: dict[str, str | None] = {
    "US$": "USD", "CA$": "CAD", "C$": "CAD", "A$": "AUD", "AU$": "AUD", "NZ$": "NZD", "HK$": "HKD", "R$": "BRL",
    "€": "EUR", "£": "GBP", "₹": "INR", "₽": "RUB", "руб": "RUB", "zł": "PLN", "₩": "KRW", "₺": "TRY",
    "р.": "RUB", "원": "KRW", "₤": None, "Kč": "CZK", "kr": None, "$": None, "¥": None, "円": "JPY", "元": "CNY", "CHF": "CHF", "Fr.": "CHF",
}
_ISO = (r"\b(?:USD|EUR|GBP|JPY|CNY|RUB|INR|CAD|AUD|NZD|CHF|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|KRW|TRY|HKD|SGD|ZAR|"
        r"AED|SAR|KWD|KD|ILS|THB|UAH)\b")
_SIGN = "|".join(re.escape(sign) for sign in sorted(CURRENCY_SIGNS, key=len, reverse=True))
# Digits in groups of three ("1,299", "1 299", "1'049") or plain, then at most two decimals; never half a number.
_AMOUNT = r"(?:\d{1,3}(?:[ ,.\u00a0\u202f']\d{3})+|\d+)(?:[.,]\d{1,2})?(?![\d'])"
PRICE_PATTERN = re.compile(
    rf"(?P<before>{_ISO}|{_SIGN}):?\s?(?P<amount>{_AMOUNT})|(?P<amount2>{_AMOUNT})\s?(?P<after>{_ISO}|{_SIGN})"
)


@dataclass(frozen=True)
class PagePiece:
    """One piece of the page's text and the element it is in."""

    text: str
    selector: str


@dataclass(frozen=True)
class PriceText:
    """A price as the page writes it, with the ISO currency when the sign is unambiguous."""

    text: str
    amount: str
    currency: str | None
    selector: str


@dataclass
class PageText:
    """What the page shows, read without its structured data."""

    title: PagePiece | None = None
    heading: PagePiece | None = None
    description: PagePiece | None = None
    site_name: PagePiece | None = None
    prices: list[PriceText] = field(default_factory=list)
    features: list[PagePiece] = field(default_factory=list)
    specs: list[PagePiece] = field(default_factory=list)
    images: list[PagePiece] = field(default_factory=list)
    paragraphs: list[PagePiece] = field(default_factory=list)
    has_password_field: bool = False

    def looks_like_error_page(self) -> str | None:
        """The title or heading when it says the page is an error page ("404 Not Found"), else None."""
        return self._says(ERROR_HINT)

    def looks_like_login_wall(self) -> str | None:
        """Why the page looks like a sign-in page (a password field, or its title says so), else None."""
        if self.has_password_field:
            return "it has a password field"
        said = self._says(LOGIN_HINT)
        return f"it says {said!r}" if said else None

    def _says(self, pattern: re.Pattern) -> str | None:
        for piece in (self.title, self.heading):
            if piece is not None and pattern.search(piece.text):
                return piece.text
        return None


def clean_text(text: str) -> str:
    """Whitespace collapsed and control characters dropped; the words stay the page's own."""
    text = "".join(ch for ch in text if ch in "\t\n" or ch.isprintable())
    return re.sub(r"\s+", " ", text).strip()


def css_selector(element: Tag) -> str:
    """A CSS selector that finds ``element``: from the nearest ancestor with an id, by tag and position."""
    parts: list[str] = []
    node: Tag | None = element
    while isinstance(node, Tag) and node.name not in ("[document]", "html"):
        element_id = node.get("id")
        if isinstance(element_id, str) and re.fullmatch(r"[A-Za-z][\w-]*", element_id):
            parts.append(f"{node.name}#{element_id}")
            break
        before = sum(1 for _ in node.find_previous_siblings(node.name))
        alone = before == 0 and node.find_next_sibling(node.name) is None
        parts.append(node.name if alone else f"{node.name}:nth-of-type({before + 1})")
        node = node.parent
    return " > ".join(reversed(parts))


def find_prices(text: str) -> list[tuple[str, str, str | None]]:
    """Every price written in ``text``: (as written, amount, ISO currency or None when the sign is ambiguous)."""
    found = []
    for match in PRICE_PATTERN.finditer(text):
        marker = (match.group("before") or match.group("after") or "").strip()
        amount = match.group("amount") or match.group("amount2")
        currency = marker if re.fullmatch(_ISO, marker) else CURRENCY_SIGNS.get(marker)
        found.append((match.group(0).strip(), amount, currency))
    return found


def _piece(element: Tag | None) -> PagePiece | None:
    if element is None:
        return None
    text = clean_text(element.get_text(" "))
    return PagePiece(text, css_selector(element)) if text else None


def _meta(soup: BeautifulSoup, **attributes: str) -> PagePiece | None:
    element = soup.find("meta", attrs=attributes)
    if element is None or not clean_text(str(element.get("content") or "")):
        return None
    key, value = next(iter(attributes.items()))
    return PagePiece(clean_text(str(element["content"])), f'meta[{key}="{value}"]')


def _is_link_list(items: list[Tag]) -> bool:
    """A list whose items are mostly just links (a menu, breadcrumbs, related products)."""
    linked = 0
    for item in items:
        link_text = clean_text(" ".join(a.get_text(" ") for a in item.find_all("a")))
        if link_text and len(link_text) >= 0.6 * len(clean_text(item.get_text(" "))):
            linked += 1
    return linked > len(items) / 2


def _hinted(element: Tag, pattern: re.Pattern) -> bool:
    """True when the element, an ancestor, or the heading just before it names what it holds."""
    for node in [element, *element.parents]:
        if not isinstance(node, Tag) or node.name in ("body", "html"):
            break
        names = " ".join([*(node.get("class") or []), str(node.get("id") or "")])
        if pattern.search(names):
            return True
    heading = element.find_previous(re.compile(r"^h[1-6]$"))
    return heading is not None and bool(pattern.search(heading.get_text(" ")))


def _images(soup: BeautifulSoup, base_url: str) -> list[PagePiece]:
    images: list[PagePiece] = []
    for img in soup.find_all("img"):
        if len(images) >= MAX_PIECES:
            break
        source = str(img.get("src") or img.get("data-src") or "").strip()
        label = " ".join([source, str(img.get("alt") or ""), *(img.get("class") or [])]).lower()
        if source in ("", "null", "#") or source.startswith("data:") or re.search(r"logo|icon|sprite|pixel|spacer|avatar", label):
            continue
        sizes = [str(img.get(name) or "") for name in ("width", "height")]
        if any(size.isdigit() and int(size) < SMALL_IMAGE_PX for size in sizes):
            continue
        images.append(PagePiece(urljoin(base_url, source), css_selector(img)))
    return images


def count_elements(body: bytes) -> int:
    """How many elements the page has (lxml's fast parser, before BeautifulSoup builds its tree)."""
    from lxml import etree

    parser = etree.HTMLParser(recover=True, huge_tree=False)
    root = etree.fromstring(body, parser)
    return 0 if root is None else sum(1 for _ in root.iter())


def read_page_text(body: bytes, url: str) -> PageText:
    """The page's title, headings, description, prices, feature lists, spec rows and images.

    Raises:
        PageTooComplex: more than :data:`MAX_ELEMENTS` elements.
    """
    elements = count_elements(body)
    if elements > MAX_ELEMENTS:
        raise PageTooComplex(f"the page has {elements} elements, more than the {MAX_ELEMENTS} its text is read from")
    soup = BeautifulSoup(body, "lxml")
    page = PageText(has_password_field=soup.find("input", attrs={"type": "password"}) is not None)
    for element in soup.find_all(NOT_CONTENT):
        element.decompose()
    page.title = _piece(soup.find("title"))
    page.site_name = _meta(soup, property="og:site_name") or _meta(soup, name="application-name")
    page.description = _meta(soup, name="description") or _meta(soup, property="og:description")
    for element in soup.find_all(NOT_SELLING_POINTS):
        element.decompose()
    page.images = _images(soup, url)
    page.heading = _piece(soup.find("h1"))

    price_elements = (soup.find_all(attrs={"class": re.compile("price", re.I)}, limit=MAX_PIECES)
                      + soup.find_all(id=re.compile("price", re.I), limit=MAX_PIECES))
    for element in price_elements:
        text = clean_text(element.get_text(" "))
        for written, amount, currency in find_prices(text)[:1]:
            page.prices.append(PriceText(written, amount, currency, css_selector(element)))

    lists = [(lst, lst.find_all("li", recursive=False, limit=MAX_PIECES)) for lst in soup.find_all(["ul", "ol"], limit=MAX_LISTS)]
    lists = [(lst, items) for lst, items in lists if items and not _is_link_list(items)]
    hinted = [(lst, items) for lst, items in lists if _hinted(lst, FEATURE_HINT)]
    for _lst, items in hinted or lists[:1]:
        for item in items:
            piece = _piece(item)
            if piece and len(piece.text) <= MAX_ITEM_CHARS and len(page.features) < MAX_PIECES:
                page.features.append(piece)

    for row in soup.find_all("tr"):
        if len(page.specs) >= MAX_PIECES:
            break
        cells = row.find_all(["th", "td"], recursive=False)
        if len(cells) == 2 and (cells[0].name == "th" or _hinted(row, SPEC_HINT)):
            name, value = (clean_text(cell.get_text(" ")) for cell in cells)
            if name and value and len(name) + len(value) <= MAX_ITEM_CHARS:
                page.specs.append(PagePiece(f"{name.rstrip(':')}: {value}", css_selector(row)))
    for term in soup.find_all("dt", limit=MAX_PIECES):
        definition = term.find_next_sibling("dd")
        if definition is not None:
            name, value = clean_text(term.get_text(" ")), clean_text(definition.get_text(" "))
            if name and value and len(name) + len(value) <= MAX_ITEM_CHARS:
                page.specs.append(PagePiece(f"{name.rstrip(':')}: {value}", css_selector(term.parent)))

    for paragraph in soup.find_all("p"):
        if len(page.paragraphs) >= MAX_PIECES:
            break
        piece = _piece(paragraph)
        if piece and len(piece.text) >= 40 and not piece.text.startswith(("{", "[")):  # not a data blob
            page.paragraphs.append(piece)
    if not page.paragraphs and not lists:
        # A page of bare text (no paragraphs): its lines, each under the body.
        body_element = soup.body or soup
        for line in body_element.get_text("\n").splitlines():
            text = clean_text(line)
            if text and len(page.paragraphs) < MAX_PIECES:
                page.paragraphs.append(PagePiece(text, "body"))
    if not page.prices:
        for piece in [page.heading, *page.paragraphs]:
            for written, amount, currency in find_prices(piece.text if piece else "")[:1]:
                page.prices.append(PriceText(written, amount, currency, piece.selector))
    return page
