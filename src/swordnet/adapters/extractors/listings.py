"""E-commerce listings: title, price, seller, images and sales count.

Read from schema.org Product data (JSON-LD, microdata), OpenGraph product tags and, for shops
that publish none of these, CSS selectors configured per site. What several sources say about
the same product is merged, the first source in that order winning each field.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import lxml.html  # type: ignore[import-untyped]
from lxml.cssselect import CSSSelector, SelectorError  # type: ignore[import-untyped]

from swordnet.adapters.extractors._markup import (
    absolute_url,
    base_url,
    collapse_spaces,
    elements,
    host_of,
    parse_html,
)
from swordnet.plugins.extractors import ExtractedContent, Extractor, Page

SiteSelectors = Mapping[str, Mapping[str, str]]
SELECTOR_FIELDS = ("item", "title", "price", "currency", "seller", "image", "sales", "url")

_PRODUCT_TYPES = frozenset({"product", "productgroup", "individualproduct", "productmodel"})
_MAX_JSON_CHARS = 1_000_000
_MAX_ITEMS = 500
_NUMBER = re.compile(r"\d[\d,]{0,20}(?:\.\d{1,6})?")
_CURRENCY_MARKS = (
    ("US$", "USD"),
    ("HK$", "HKD"),
    ("NT$", "TWD"),
    ("円", "JPY"),
    ("JPY", "JPY"),
    ("¥", "CNY"),
    ("元", "CNY"),
    ("RMB", "CNY"),
    ("CNY", "CNY"),
    ("€", "EUR"),
    ("EUR", "EUR"),
    ("£", "GBP"),
    ("GBP", "GBP"),
    ("USD", "USD"),
    ("$", "USD"),
)
_SALES_NUMBER = (
    r"(\d{1,3}(?:,\d{3})+|\d{1,12}(?:\.\d{1,3})?)\s{0,2}(万|亿|千|[kKwWmM](?![A-Za-z]))?\s{0,2}\+?"
)
_SALES_BEFORE = re.compile(
    r"(?:已售|月销|销量|已卖|售出|累计销量|总销量)\s{0,3}[:：]?\s{0,3}" + _SALES_NUMBER
)
_SALES_AFTER = re.compile(
    _SALES_NUMBER
    + r"\s{0,3}(?:人付款|人已付款|人购买|人已购|人收货|件已售|笔成交|(?i:sold|bought|sales))"
)
_MULTIPLIERS = {
    "万": 10_000,
    "w": 10_000,
    "亿": 100_000_000,
    "千": 1_000,
    "k": 1_000,
    "m": 1_000_000,
}


def parse_price(text: str) -> tuple[str | None, str | None]:
    """The first amount in ``text`` as a decimal string, and the currency its marks show."""
    text = unicodedata.normalize("NFKC", text)[:200]
    currency = next((code for mark, code in _CURRENCY_MARKS if mark in text.upper()), None)
    found = _NUMBER.search(text)
    if not found:
        return None, currency
    number = found.group(0).rstrip(",")
    if "," in number and "." not in number and re.fullmatch(r"\d+,\d{1,2}", number):
        number = number.replace(",", ".")  # a decimal comma: "12,80"
    try:
        amount = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None, currency
    if not amount.is_finite() or amount < 0 or amount > Decimal(10) ** 12:
        return None, currency
    return str(amount), currency


def parse_sales(text: str) -> int | None:
    """A sales count from "已售 1.2万", "月销 300+", "1,234 sold", "2.3k sold" and the like."""
    text = unicodedata.normalize("NFKC", text)[:500]
    found = _SALES_BEFORE.search(text) or _SALES_AFTER.search(text)
    if not found:
        return None
    amount = Decimal(found.group(1).replace(",", ""))
    unit = (found.group(2) or "").lower()
    return int(amount * _MULTIPLIERS.get(unit, 1))


def _compile_selectors(sites: SiteSelectors) -> dict[str, dict[str, CSSSelector]]:
    compiled: dict[str, dict[str, CSSSelector]] = {}
    for host, fields in sites.items():
        unknown = set(fields) - set(SELECTOR_FIELDS)
        if unknown:
            raise ValueError(f"listing selectors for {host!r}: unknown fields {sorted(unknown)}")
        compiled[host.lower().removeprefix("www.")] = {}
        for field_name, css in fields.items():
            try:
                compiled[host.lower().removeprefix("www.")][field_name] = CSSSelector(
                    css, translator="html"
                )
            except SelectorError as error:
                raise ValueError(
                    f"listing selectors for {host!r}: bad CSS for {field_name!r}: {css!r}"
                ) from error
    return compiled


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = collapse_spaces(str(value))
        return text[:500] or None
    return None


def _new_listing(source: str) -> dict[str, Any]:
    return {
        "title": None,
        "price": None,
        "currency": None,
        "seller": None,
        "images": [],
        "sales_count": None,
        "url": None,
        "sources": [source],
    }


def _image_urls(value: Any, base: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    urls: list[str] = []
    for entry in values[:50]:
        raw = entry.get("url") or entry.get("contentUrl") if isinstance(entry, dict) else entry
        url = absolute_url(base, raw) if isinstance(raw, str) else None
        if url and url not in urls:
            urls.append(url)
    return urls


def _json_products(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 10:
        return
    if isinstance(node, list):
        for entry in node[:_MAX_ITEMS]:
            yield from _json_products(entry, depth + 1)
    elif isinstance(node, dict):
        types = node.get("@type")
        names = {str(t).lower() for t in (types if isinstance(types, list) else [types])}
        if names & _PRODUCT_TYPES or ("offers" in node and "name" in node):
            yield node
            return
        for value in node.values():
            if isinstance(value, dict | list):
                yield from _json_products(value, depth + 1)


def _from_json_ld(tree: lxml.html.HtmlElement, base: str) -> list[dict[str, Any]]:
    listings: list[dict[str, Any]] = []
    for script in elements(tree, "//script[@type='application/ld+json']"):
        raw = (script.text or "").strip()[:_MAX_JSON_CHARS]
        raw = raw.removeprefix("<!--").removesuffix("-->").strip()
        try:
            document = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        for product in _json_products(document):
            listing = _new_listing("json-ld")
            listing["title"] = _text(product.get("name"))
            offers = product.get("offers")
            offer = (offers[0] if offers else {}) if isinstance(offers, list) else offers
            if isinstance(offer, dict):
                spec = offer.get("priceSpecification")
                spec = spec if isinstance(spec, dict) else {}
                amount = _text(offer.get("price") or offer.get("lowPrice") or spec.get("price"))
                if amount:
                    listing["price"], _ = parse_price(amount)
                listing["currency"] = _text(offer.get("priceCurrency") or spec.get("priceCurrency"))
                listing["seller"] = _text(offer.get("seller") or offer.get("offeredBy"))
            listing["seller"] = listing["seller"] or _text(product.get("seller"))
            listing["images"] = _image_urls(product.get("image"), base)
            url = product.get("url")
            listing["url"] = absolute_url(base, url) if isinstance(url, str) else None
            listings.append(listing)
    return listings


def _scope_of(element: Any) -> Any:
    """The nearest enclosing element with ``itemscope``, not counting ``element`` itself."""
    parent = element.getparent()
    while parent is not None and parent.get("itemscope") is None:
        parent = parent.getparent()
    return parent


def _microdata_value(element: Any, base: str) -> str | None:
    tag = element.tag.lower()
    if element.get("content") is not None:
        raw = str(element.get("content"))
    elif tag in {"img", "audio", "video", "source", "embed", "iframe"}:
        return absolute_url(base, str(element.get("src") or ""))
    elif tag in {"a", "area", "link"}:
        return absolute_url(base, str(element.get("href") or ""))
    elif tag in {"data", "meter"}:
        raw = str(element.get("value") or "")
    elif tag == "time":
        raw = str(element.get("datetime") or element.text_content())
    else:
        raw = element.text_content()
    return collapse_spaces(raw)[:500] or None


def _from_microdata(tree: lxml.html.HtmlElement, base: str) -> list[dict[str, Any]]:
    listings: list[dict[str, Any]] = []
    for product in elements(tree, "//*[@itemscope][contains(@itemtype, 'Product')]"):
        if not re.search(r"/(?:Individual)?Product(?:Model|Group)?/?$", product.get("itemtype")):
            continue
        listing = _new_listing("microdata")
        owned = [
            (name, element, _scope_of(element))
            for element in list(elements(product, ".//*[@itemprop]"))[:_MAX_ITEMS]
            for name in str(element.get("itemprop")).split()
        ]
        offers = {id(e) for name, e, scope in owned if name == "offers" and scope is product}
        for name, element, scope in owned:
            own = scope is product
            in_offer = scope is not None and id(scope) in offers
            if name == "name" and own and listing["title"] is None:
                listing["title"] = _microdata_value(element, base)
            elif name in {"price", "lowPrice"} and (own or in_offer) and not listing["price"]:
                listing["price"], marked = parse_price(_microdata_value(element, base) or "")
                listing["currency"] = listing["currency"] or marked
            elif name == "priceCurrency" and (own or in_offer):
                listing["currency"] = _microdata_value(element, base)
            elif name == "image" and own:
                url = absolute_url(base, _microdata_value(element, base) or "")
                if url and url not in listing["images"]:
                    listing["images"].append(url)
            elif name == "seller" and (own or in_offer) and listing["seller"] is None:
                names = [e for n, e, s in owned if n == "name" and s is element]
                listing["seller"] = _microdata_value(names[0] if names else element, base)
            elif name == "url" and own:
                listing["url"] = absolute_url(base, _microdata_value(element, base) or "")
        listings.append(listing)
    return listings


def _from_open_graph(tree: lxml.html.HtmlElement, base: str) -> list[dict[str, Any]]:
    tags: dict[str, list[str]] = {}
    for meta in elements(tree, "//meta[@property or @name][@content]"):
        key = str(meta.get("property") or meta.get("name")).strip().lower()
        tags.setdefault(key, []).append(str(meta.get("content")).strip())

    def first(*keys: str) -> str | None:
        return next((tags[key][0] for key in keys if tags.get(key)), None)

    amount = first("product:price:amount", "og:price:amount", "product:sale_price:amount")
    if amount is None and "product" not in (first("og:type") or "").lower():
        return []
    listing = _new_listing("opengraph")
    listing["title"] = collapse_spaces(first("og:title") or "")[:500] or None
    if amount:
        listing["price"], marked = parse_price(amount)
        listing["currency"] = first("product:price:currency", "og:price:currency") or marked
    images = tags.get("og:image", []) + tags.get("og:image:url", [])
    listing["images"] = _image_urls(images, base)
    listing["seller"] = first("product:retailer_title")
    og_url = first("og:url")
    listing["url"] = absolute_url(base, og_url) if og_url else None
    return [listing]


def _from_selectors(
    tree: lxml.html.HtmlElement, base: str, selectors: Mapping[str, CSSSelector]
) -> list[dict[str, Any]]:
    items = selectors["item"](tree)[:_MAX_ITEMS] if "item" in selectors else [tree]
    listings: list[dict[str, Any]] = []
    for item in items:

        def select(field_name: str, item: Any = item) -> list[Any]:
            chosen = selectors.get(field_name)
            return [e for e in chosen(item) if isinstance(e.tag, str)] if chosen else []

        def text_of(field_name: str) -> str | None:
            found = select(field_name)
            return collapse_spaces(found[0].text_content())[:500] or None if found else None

        listing = _new_listing("css")
        listing["title"] = text_of("title")
        price_text = text_of("price")
        if price_text:
            listing["price"], listing["currency"] = parse_price(price_text)
        listing["currency"] = text_of("currency") or listing["currency"]
        listing["seller"] = text_of("seller")
        for image in select("image")[:50]:
            for attribute in ("data-src", "data-original", "data-lazy-src", "src", "content"):
                url = absolute_url(base, str(image.get(attribute) or ""))
                if url:
                    if url not in listing["images"]:
                        listing["images"].append(url)
                    break
        sales_text = text_of("sales") if "sales" in selectors else item.text_content()
        listing["sales_count"] = parse_sales(sales_text or "")
        links = select("url")
        if links:
            listing["url"] = absolute_url(base, str(links[0].get("href") or ""))
        if listing["title"] or listing["price"]:
            listings.append(listing)
    return listings


def _merge(listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    per_source: dict[str, int] = {}
    for listing in listings:
        per_source[listing["sources"][0]] = per_source.get(listing["sources"][0], 0) + 1
    one_product = all(count == 1 for count in per_source.values())
    merged: list[dict[str, Any]] = []
    for listing in listings:
        key = collapse_spaces(listing["title"] or "").casefold()
        target = merged[0] if one_product and merged else None
        for candidate in merged if target is None and key else []:
            if collapse_spaces(candidate["title"] or "").casefold() == key:
                target = candidate
                break
        if target is None:
            merged.append(listing)
            continue
        for field_name, value in listing.items():
            if field_name == "images":
                target["images"] += [u for u in value if u not in target["images"]]
            elif field_name == "sources":
                target["sources"] += [s for s in value if s not in target["sources"]]
            elif target[field_name] is None:
                target[field_name] = value
    return merged


class ListingExtractor(Extractor):
    """Emits ``listing`` items; ``site_selectors`` maps a host to CSS selectors per field."""

    name: ClassVar[str] = "listings"

    def __init__(self, site_selectors: SiteSelectors | None = None) -> None:
        self._selectors = _compile_selectors(site_selectors or {})

    def _selectors_for(self, url: str) -> Mapping[str, CSSSelector] | None:
        host = host_of(url).removeprefix("www.")
        while host:
            if host in self._selectors:
                return self._selectors[host]
            host = host.partition(".")[2]
        return None

    def extract(self, page: Page) -> list[ExtractedContent]:
        tree = parse_html(page)
        if tree is None:
            return []
        base = base_url(tree, page.url)
        found: list[dict[str, Any]] = []
        selectors = self._selectors_for(page.url)
        if selectors:
            found += _from_selectors(tree, base, selectors)
        found += _from_json_ld(tree, base)
        found += _from_microdata(tree, base)
        found += _from_open_graph(tree, base)
        listings = [item for item in _merge(found) if item["title"] or item["price"]]
        return [
            ExtractedContent(
                kind="listing",
                source_url=page.url,
                extractor=self.name,
                text=listing["title"],
                url=listing["url"] or page.url,
                data=listing,
            )
            for listing in listings[:_MAX_ITEMS]
        ]
