"""Product pages: schema.org Product from JSON-LD and microdata, and OpenGraph product tags.

extruct reads the three syntaxes; this module picks the products out of what it found and
flattens each into the same fields (name, brand, description, price, currency, ...),
whichever syntax carried them. JSON-LD wins over microdata, which wins over OpenGraph,
when a page has more than one for the same product.

Each product also says where every field was found (``where``: field -> a JSON-LD path such
as ``json-ld[1].offers.price``, counting the page's JSON-LD documents in order, a script that
holds a list counting each item; a microdata ``itemprop`` chain; or an OpenGraph ``meta``
selector), lists all its images
(``images``, absolute URLs) and the plain facts its markup states (``properties``:
additionalProperty name/value pairs, material, colour, size, weight, ...), so a brief made
from the page can show where each value came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from adloom.tools.scrape.items import ParsedEntry, ParseError

SYNTAXES = ["json-ld", "microdata", "opengraph"]
PRODUCT_TYPES = {"Product", "IndividualProduct", "ProductModel", "SomeProducts", "ProductGroup"}
OFFER_TYPES = {"Offer", "AggregateOffer"}
# Product properties that state a plain fact about the product, in the words of the page.
# ("award" is a claim the page makes; a brief made from the page holds it back for the marketer.)
FACT_PROPERTIES = ("material", "color", "pattern", "size", "weight", "width", "height", "depth", "model",
                   "countryOfOrigin", "award")


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


def _walk_jsonld(node: Any, path: str = "json-ld"):
    """Every dict inside a JSON-LD document (graphs, lists, nested items), with its path."""
    if isinstance(node, list):
        for index, child in enumerate(node):
            yield from _walk_jsonld(child, f"{path}[{index}]")
    elif isinstance(node, dict):
        yield node, path
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                yield from _walk_jsonld(value, f"{path}.{key}")


def _images(value: Any, base_url: str) -> list[str]:
    """Every image URL in a schema.org ``image`` value (a URL, an ImageObject, or a list of them)."""
    values = value if isinstance(value, list) else [value]
    urls = []
    for item in values:
        if isinstance(item, dict):
            item = item.get("url") or item.get("contentUrl") or (item.get("properties") or {}).get("url")
        if isinstance(item, list):
            item = _first(item)
        if isinstance(item, str) and item.strip():
            urls.append(urljoin(base_url, item.strip()))
    return list(dict.fromkeys(urls))


def _quantity(value: Any) -> str | None:
    """A property's text: plain, a QuantitativeValue's value and unit, or a named thing's name."""
    value = _first(value)
    if isinstance(value, dict):
        fields = value.get("properties", value)
        if "value" in fields:
            unit = _text(fields.get("unitText")) or _text(fields.get("unitCode")) or ""
            return f"{_text(fields.get('value'))} {unit}".strip()
    return _text(value)


def _properties(fields: dict, properties_of: Callable[[Any], Any], locate: Callable[[str, int | None], str]) -> list[dict]:
    """Plain facts the product's markup states: additionalProperty pairs and :data:`FACT_PROPERTIES`.

    Args:
        locate: where a property is on the page, from its name and its index in a list.
    """
    found = []
    for name in FACT_PROPERTIES:
        text = _quantity(fields.get(name))
        if text:
            found.append({"name": name, "value": text, "where": locate(name, None)})
    extra = fields.get("additionalProperty")
    for index, item in enumerate(extra if isinstance(extra, list) else [extra] if extra else []):
        pair = properties_of(item)
        if isinstance(pair, dict) and _text(pair.get("name")) and _quantity(pair):
            found.append({"name": _text(pair.get("name")), "value": _quantity(pair),
                          "where": locate("additionalProperty", index)})
    return found


def _offer_fields(
    offers: Any, properties_of: Callable[[Any], Any], locate: Callable[[int | None, str], str],
) -> dict[str, Any]:
    """Price fields from the first offer that has a price (or an AggregateOffer's low price).

    Args:
        properties_of: how to get an offer's fields (JSON-LD: the dict itself; microdata:
            its ``properties``).
        locate: where an offer's field is on the page, from the offer's index in a list
            (None: a single offer) and the field's name.
    """
    listed = isinstance(offers, list)
    candidates = offers if listed else [offers]
    for index, offer in enumerate(candidates):
        fields = properties_of(offer)
        if not isinstance(fields, dict):
            continue
        key = "price" if fields.get("price") is not None else "lowPrice"
        price = fields.get(key)
        if price is None:
            continue
        at = index if listed else None
        return {
            "price": str(_first(price)),
            "currency": _text(fields.get("priceCurrency")),
            "availability": _text(fields.get("availability")),
            "where": {"price": locate(at, key), "currency": locate(at, "priceCurrency")},
        }
    return {}


def _located(product: dict[str, Any], where: dict[str, str]) -> dict[str, Any]:
    """``product`` with ``where`` kept for the fields that have a value."""
    product["where"] = {field: at for field, at in where.items() if product.get(field)}
    return product


def _from_jsonld(node: dict, path: str, base_url: str) -> dict[str, Any]:
    images = _images(node.get("image"), base_url)
    product = {
        "name": _text(node.get("name")),
        "brand": _text(node.get("brand")),
        "description": _text(node.get("description")),
        "image": images[0] if images else None,
        "images": images,
        "sku": _text(node.get("sku")),
        "gtin": _text(node.get("gtin13") or node.get("gtin") or node.get("gtin12")),
        "url": _text(node.get("url")),
        "syntax": "json-ld",
        "locator": path,
        "properties": _properties(node, lambda item: item,
                                  lambda name, index: f"{path}.{name}{'' if index is None else f'[{index}]'}"),
    }
    offer = _offer_fields(node.get("offers"), lambda offer: offer,
                          lambda index, key: f"{path}.offers{'' if index is None else f'[{index}]'}.{key}")
    where = {name: f"{path}.{name}" for name in ("name", "description", "image", "sku", "url")}
    where["brand"] = f"{path}.brand" + (".name" if isinstance(_first(node.get("brand")), dict) else "")
    where.update(offer.pop("where", {}))
    product.update(offer)
    rating = node.get("aggregateRating")
    if isinstance(rating, dict):
        product["rating"] = _text(rating.get("ratingValue"))
        product["reviews"] = _text(rating.get("reviewCount") or rating.get("ratingCount"))
    return _located(product, where)


# --- microdata ----------------------------------------------------------------------------


def _walk_microdata(item: Any, path: str = ""):
    """Every item with its location: an ``itemprop`` chain from the outermost ``itemscope``."""
    if isinstance(item, list):
        for child in item:
            yield from _walk_microdata(child, path)
    elif isinstance(item, dict) and "properties" in item:
        here = path or f'[itemtype="{_first(item.get("type"))}"]'
        yield item, here
        for name, value in item["properties"].items():
            yield from _walk_microdata(value, f'{here} [itemprop="{name}"]')


def _microdata_properties(value: Any) -> Any:
    """A nested item's properties, or the value itself when it is plain text."""
    return value.get("properties") if isinstance(value, dict) else value


def _from_microdata(item: dict, path: str, base_url: str) -> dict[str, Any]:
    props = item["properties"]
    brand = _microdata_properties(_first(props.get("brand")))
    images = _images(props.get("image"), base_url)
    product = {
        "name": _text(props.get("name")),
        "brand": _text(brand.get("name") if isinstance(brand, dict) else brand),
        "description": _text(props.get("description")),
        "image": images[0] if images else None,
        "images": images,
        "sku": _text(props.get("sku")),
        "gtin": _text(props.get("gtin13") or props.get("gtin")),
        "url": _text(props.get("url")),
        "syntax": "microdata",
        "locator": path,
        "properties": _properties(props, _microdata_properties, lambda name, index: f'{path} [itemprop="{name}"]'),
    }
    where = {name: f'{path} [itemprop="{name}"]' for name in ("name", "description", "image", "sku", "url")}
    where["brand"] = f'{path} [itemprop="brand"]' + (' [itemprop="name"]' if isinstance(brand, dict) else "")
    offer = _offer_fields(props.get("offers"), _microdata_properties,
                          lambda index, key: f'{path} [itemprop="offers"] [itemprop="{key}"]')
    where.update(offer.pop("where", {}))
    product.update(offer)
    rating = _first(props.get("aggregateRating"))
    if isinstance(rating, dict):
        rating_props = rating.get("properties", {})
        product["rating"] = _text(rating_props.get("ratingValue"))
        product["reviews"] = _text(rating_props.get("reviewCount") or rating_props.get("ratingCount"))
    return _located(product, where)


# --- OpenGraph ----------------------------------------------------------------------------


OPENGRAPH_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("og:title",),
    "brand": ("product:brand",),
    "description": ("og:description",),
    "sku": ("product:retailer_item_id",),
    "gtin": ("product:gtin",),
    "url": ("og:url",),
    "price": ("product:price:amount", "og:price:amount"),
    "currency": ("product:price:currency", "og:price:currency"),
    "availability": ("product:availability", "og:availability"),
}


def _from_opengraph(block: dict, base_url: str) -> dict[str, Any] | None:
    properties: dict[str, str] = {}
    images: list[str] = []
    for key, value in block.get("properties", []):
        properties.setdefault(key, value)
        if key in ("og:image", "og:image:url", "og:image:secure_url") and value and value.strip():
            images.append(urljoin(base_url, value.strip()))
    is_product = "product" in properties.get("og:type", "") or "product:price:amount" in properties
    if not is_product or not properties.get("og:title"):
        return None
    product: dict[str, Any] = {"syntax": "opengraph", "locator": "opengraph", "properties": []}
    where = {}
    for field, keys in OPENGRAPH_FIELDS.items():
        key = next((key for key in keys if properties.get(key)), keys[0])
        product[field] = properties.get(key) or None
        where[field] = f'meta[property="{key}"]'
    product["images"] = list(dict.fromkeys(images))
    product["image"] = product["images"][0] if product["images"] else None
    where["image"] = 'meta[property="og:image"]'
    return _located(product, where)


def extract_products(body: bytes, url: str) -> list[dict[str, Any]]:
    """Every product on the page as flat fields (None where the page does not say)."""
    import extruct  # imported on first use: it pulls in rdflib, a second of start-up for every crawl

    try:
        found = extruct.extract(body, base_url=url, syntaxes=SYNTAXES, uniform=False, errors="log")
    except Exception as exc:  # extruct raises lxml's and json's own errors on broken markup
        raise ParseError(f"cannot read the page's structured data: {type(exc).__name__}: {exc}") from None
    products: list[dict[str, Any]] = []
    for node, path in _walk_jsonld(found.get("json-ld", [])):
        if _type_names(node.get("@type")) & PRODUCT_TYPES:
            products.append(_from_jsonld(node, path, url))
    for item, path in _walk_microdata(found.get("microdata", [])):
        if _type_names(item.get("type")) & PRODUCT_TYPES:
            products.append(_from_microdata(item, path, url))
    for block in found.get("opengraph", []):
        product = _from_opengraph(block, url)
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
