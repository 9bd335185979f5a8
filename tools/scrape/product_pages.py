"""Product pages: schema.org Product from JSON-LD and microdata, and OpenGraph product tags.

extruct reads the three syntaxes; this module picks the products out of what it found and
flattens each into the same fields (name, brand, description, price, currency, ...),
whichever syntax carried them. JSON-LD wins over microdata, which wins over OpenGraph,
when a page has more than one for the same product.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.scrape.items import ParsedEntry, ParseError

SYNTAXES = ["json-ld", "microdata", "opengraph"]
PRODUCT_TYPES = {"Product", "IndividualProduct", "ProductModel", "SomeProducts", "ProductGroup"}
OFFER_TYPES = {"Offer", "AggregateOffer"}


def _type_names(value: Any) -> set[str]:
    values = value if isinstance(value, list) else [value]
    return {str(v).rstrip("/").rsplit("/", 1)[-1] for v in values if v}


def _first(value: Any) -> Any:
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value


def _text(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id") or value.get("url")
    return None if value is None else str(value).strip() or None


# --- JSON-LD ------------------------------------------------------------------------------


def _walk_jsonld(node: Any):
    """Every dict inside a JSON-LD document (graphs, lists, nested items)."""
    if isinstance(node, list):
        for child in node:
            yield from _walk_jsonld(child)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            if isinstance(value, (dict, list)):
                yield from _walk_jsonld(value)


def _offer_fields(offers: Any, properties_of: Callable[[Any], Any]) -> dict[str, Any]:
    """Price fields from the first offer that has a price (or an AggregateOffer's low price).

    Args:
        properties_of: how to get an offer's fields (JSON-LD: the dict itself; microdata:
            its ``properties``).
    """
    candidates = offers if isinstance(offers, list) else [offers]
    for offer in candidates:
        fields = properties_of(offer)
        if not isinstance(fields, dict):
            continue
        price = fields.get("price") or fields.get("lowPrice")
        if price is None:
            continue
        return {
            "price": str(_first(price)),
            "currency": _text(fields.get("priceCurrency")),
            "availability": _text(fields.get("availability")),
        }
    return {}


def _from_jsonld(node: dict) -> dict[str, Any]:
    product = {
        "name": _text(node.get("name")),
        "brand": _text(node.get("brand")),
        "description": _text(node.get("description")),
        "image": _text(node.get("image")),
        "sku": _text(node.get("sku")),
        "gtin": _text(node.get("gtin13") or node.get("gtin") or node.get("gtin12")),
        "url": _text(node.get("url")),
        "syntax": "json-ld",
    }
    product.update(_offer_fields(node.get("offers"), lambda offer: offer))
    rating = node.get("aggregateRating")
    if isinstance(rating, dict):
        product["rating"] = _text(rating.get("ratingValue"))
        product["reviews"] = _text(rating.get("reviewCount") or rating.get("ratingCount"))
    return product


# --- microdata ----------------------------------------------------------------------------


def _walk_microdata(item: Any):
    if isinstance(item, list):
        for child in item:
            yield from _walk_microdata(child)
    elif isinstance(item, dict) and "properties" in item:
        yield item
        for value in item["properties"].values():
            yield from _walk_microdata(value)


def _microdata_properties(value: Any) -> Any:
    """A nested item's properties, or the value itself when it is plain text."""
    return value.get("properties") if isinstance(value, dict) else value


def _from_microdata(item: dict) -> dict[str, Any]:
    props = item["properties"]
    brand = _microdata_properties(_first(props.get("brand")))
    product = {
        "name": _text(props.get("name")),
        "brand": _text(brand.get("name") if isinstance(brand, dict) else brand),
        "description": _text(props.get("description")),
        "image": _text(props.get("image")),
        "sku": _text(props.get("sku")),
        "gtin": _text(props.get("gtin13") or props.get("gtin")),
        "url": _text(props.get("url")),
        "syntax": "microdata",
    }
    product.update(_offer_fields(props.get("offers"), _microdata_properties))
    rating = _first(props.get("aggregateRating"))
    if isinstance(rating, dict):
        rating_props = rating.get("properties", {})
        product["rating"] = _text(rating_props.get("ratingValue"))
        product["reviews"] = _text(rating_props.get("reviewCount") or rating_props.get("ratingCount"))
    return product


# --- OpenGraph ----------------------------------------------------------------------------


def _from_opengraph(block: dict) -> dict[str, Any] | None:
    properties: dict[str, str] = {}
    for key, value in block.get("properties", []):
        properties.setdefault(key, value)
    is_product = "product" in properties.get("og:type", "") or "product:price:amount" in properties
    if not is_product or not properties.get("og:title"):
        return None
    return {
        "name": properties.get("og:title"),
        "brand": properties.get("product:brand"),
        "description": properties.get("og:description"),
        "image": properties.get("og:image"),
        "sku": properties.get("product:retailer_item_id"),
        "gtin": properties.get("product:gtin"),
        "url": properties.get("og:url"),
        "price": properties.get("product:price:amount") or properties.get("og:price:amount"),
        "currency": properties.get("product:price:currency") or properties.get("og:price:currency"),
        "availability": properties.get("product:availability") or properties.get("og:availability"),
        "syntax": "opengraph",
    }


def extract_products(body: bytes, url: str) -> list[dict[str, Any]]:
    """Every product on the page as flat fields (None where the page does not say)."""
    import extruct  # imported on first use: it pulls in rdflib, a second of start-up for every crawl

    try:
        found = extruct.extract(body, base_url=url, syntaxes=SYNTAXES, uniform=False, errors="log")
    except Exception as exc:  # extruct raises lxml's and json's own errors on broken markup
        raise ParseError(f"cannot read the page's structured data: {type(exc).__name__}: {exc}") from None
    products: list[dict[str, Any]] = []
    for node in _walk_jsonld(found.get("json-ld", [])):
        if _type_names(node.get("@type")) & PRODUCT_TYPES:
            products.append(_from_jsonld(node))
    for item in _walk_microdata(found.get("microdata", [])):
        if _type_names(item.get("type")) & PRODUCT_TYPES:
            products.append(_from_microdata(item))
    for block in found.get("opengraph", []):
        product = _from_opengraph(block)
        if product is not None:
            products.append(product)
    seen: set[str] = set()
    unique = []
    for product in products:
        if not product.get("name") or product["name"] in seen:
            continue
        seen.add(product["name"])
        unique.append(product)
    return unique


def parse_product_page(body: bytes, url: str) -> list[ParsedEntry]:
    """One entry per product found on the page.

    Raises:
        ParseError: no schema.org Product or OpenGraph product on the page.
    """
    products = extract_products(body, url)
    if not products:
        raise ParseError("no schema.org Product (JSON-LD or microdata) or OpenGraph product on the page")
    entries = []
    for product in products:
        engagement = {}
        if product.get("reviews"):
            try:
                engagement["comments"] = float(product["reviews"])
            except ValueError:
                pass
        entries.append(ParsedEntry(
            url=product.get("url") or url, title=product["name"],
            summary=product.get("description") or "", engagement=engagement,
            data={"product": product},
        ))
    return entries
