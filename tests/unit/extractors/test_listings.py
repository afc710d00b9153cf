from __future__ import annotations

import json

import pytest

from swordnet.adapters.extractors.listings import ListingExtractor, parse_price, parse_sales
from swordnet.plugins.extractors import ExtractedContent, Page

SHOP = "https://item.shop.example.cn/item/8812.html"


def _extract(
    html: str, url: str = SHOP, extractor: ListingExtractor | None = None
) -> list[ExtractedContent]:
    page = Page(url, "text/html", html.encode("utf-8"))
    return (extractor or ListingExtractor()).extract(page)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥ 12.80", ("12.80", "CNY")),
        ("￥1,299.00起", ("1299.00", "CNY")),
        ("39元", ("39", "CNY")),
        ("US$ 4.99", ("4.99", "USD")),
        ("€12,80", ("12.80", "EUR")),
        ("HK$1,234", ("1234", "HKD")),
        ("价格面议", (None, None)),
        ("¥19.9 - ¥29.9", ("19.9", "CNY")),
    ],
)
def test_parse_price(text: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_price(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("已售 1.2万", 12_000),
        ("月销 300+", 300),
        ("1,234 sold", 1234),
        ("2.3k sold", 2300),
        ("5000+人付款", 5000),
        ("销量：86", 86),
        ("库存 300 件", None),
    ],
)
def test_parse_sales(text: str, expected: int | None) -> None:
    assert parse_sales(text) == expected


def test_json_ld_product_in_a_graph_merged_with_open_graph() -> None:
    html = """<html><head>
    <meta property="og:type" content="product">
    <meta property="og:title" content="三体全集 电子书 epub+mobi+pdf">
    <meta property="og:image" content="https://img.shop.example.cn/og/santi.jpg">
    <meta property="product:price:amount" content="9.90">
    <meta property="product:price:currency" content="CNY">
    <script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "WebPage", "name": "店铺首页"},
      {"@type": "Product", "name": "三体全集 电子书 epub+mobi+pdf",
       "image": ["/img/santi-1.jpg", {"@type": "ImageObject", "url": "/img/santi-2.jpg"}],
       "offers": {"@type": "Offer", "price": 9.9, "priceCurrency": "CNY",
                  "seller": {"@type": "Organization", "name": "书香电子书店"}}}]}
    </script></head><body><h1>三体全集</h1></body></html>"""
    [item] = _extract(html)
    assert item.kind == "listing"
    assert item.extractor == "listings"
    assert item.text == "三体全集 电子书 epub+mobi+pdf"
    assert item.url == SHOP
    assert item.data == {
        "title": "三体全集 电子书 epub+mobi+pdf",
        "price": "9.9",
        "currency": "CNY",
        "seller": "书香电子书店",
        "images": [
            "https://item.shop.example.cn/img/santi-1.jpg",
            "https://item.shop.example.cn/img/santi-2.jpg",
            "https://img.shop.example.cn/og/santi.jpg",
        ],
        "sales_count": None,
        "url": None,
        "sources": ["json-ld", "opengraph"],
    }
    json.dumps(item.data)


def test_json_ld_lists_and_aggregate_offers() -> None:
    html = """<script type="application/ld+json">[
      {"@type": "ItemList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "item": {"@type": "Product", "name": "Kindle Book A",
         "url": "/p/1", "offers": {"@type": "AggregateOffer", "lowPrice": "3.50",
         "priceCurrency": "USD"}}},
        {"@type": "ListItem", "position": 2, "item": {"@type": ["Product", "Book"],
         "name": "Kindle Book B", "offers": [{"price": "4", "priceCurrency": "USD"}]}}]}]
    </script><script type="application/ld+json">{ broken json</script>"""
    items = _extract(html)
    assert [(i.text, i.data["price"], i.data["currency"], i.url) for i in items] == [
        ("Kindle Book A", "3.50", "USD", "https://item.shop.example.cn/p/1"),
        ("Kindle Book B", "4", "USD", SHOP),
    ]


def test_microdata_product_with_nested_offer_and_seller() -> None:
    html = """<div itemscope itemtype="https://schema.org/Product">
      <h1 itemprop="name">流浪地球2 蓝光 4K 高清 网盘发货</h1>
      <img itemprop="image" src="/pics/wde2.jpg"><meta itemprop="image" content="/pics/b.jpg">
      <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
        <span itemprop="priceCurrency" content="CNY">￥</span>
        <span itemprop="price" content="6.66">6.66</span>
        <div itemprop="seller" itemscope itemtype="https://schema.org/Organization">
          <span itemprop="name">影视资源小铺</span></div>
      </div>
      <div itemprop="review" itemscope itemtype="https://schema.org/Review">
        <span itemprop="name">好评</span></div>
    </div>"""
    [item] = _extract(html)
    assert item.data == {
        "title": "流浪地球2 蓝光 4K 高清 网盘发货",
        "price": "6.66",
        "currency": "CNY",
        "seller": "影视资源小铺",
        "images": [
            "https://item.shop.example.cn/pics/wde2.jpg",
            "https://item.shop.example.cn/pics/b.jpg",
        ],
        "sales_count": None,
        "url": None,
        "sources": ["microdata"],
    }


SELECTORS = {
    "shop.example.cn": {
        "item": "li.goods",
        "title": ".goods-title",
        "price": ".price",
        "seller": ".shop-name",
        "image": "img.pic",
        "sales": ".deal-cnt",
        "url": "a.link",
    }
}


def test_css_selectors_configured_per_site_match_subdomains() -> None:
    html = """<ul class="list">
      <li class="goods"><a class="link" href="/item/1.html">
        <img class="pic" data-src="//img.shop.example.cn/1.jpg" src="/loading.gif"></a>
        <div class="goods-title">【正版】斗破苍穹 全本txt 精校版</div>
        <span class="price">¥ 1.00</span><span class="deal-cnt">已售 1.2万</span>
        <a class="shop-name">小说百宝箱</a></li>
      <li class="goods"><div class="goods-title">庆余年 第二季 全集 网盘</div>
        <span class="price">￥3.5</span><span class="deal-cnt">月销 300+</span></li>
      <li class="goods"><span class="other">广告</span></li>
    </ul>"""
    extractor = ListingExtractor(SELECTORS)
    items = _extract(html, extractor=extractor)
    assert [i.data for i in items] == [
        {
            "title": "【正版】斗破苍穹 全本txt 精校版",
            "price": "1.00",
            "currency": "CNY",
            "seller": "小说百宝箱",
            "images": ["https://img.shop.example.cn/1.jpg"],
            "sales_count": 12000,
            "url": "https://item.shop.example.cn/item/1.html",
            "sources": ["css"],
        },
        {
            "title": "庆余年 第二季 全集 网盘",
            "price": "3.5",
            "currency": "CNY",
            "seller": None,
            "images": [],
            "sales_count": 300,
            "url": None,
            "sources": ["css"],
        },
    ]
    assert _extract(html, url="https://other.example.com/", extractor=extractor) == []


def test_bad_selector_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="bad CSS for 'price'"):
        ListingExtractor({"shop.example.cn": {"price": "div[[["}})
    with pytest.raises(ValueError, match="unknown fields"):
        ListingExtractor({"shop.example.cn": {"cost": ".price"}})


def test_pages_without_products_and_hostile_pages() -> None:
    assert _extract("<meta property='og:title' content='A news article'><p>text</p>") == []
    assert _extract("") == []
    deep = "<script type='application/ld+json'>" + "[" * 100_000 + "</script>"
    assert _extract(deep) == []
    nested = "<div itemscope itemtype='https://schema.org/Product'>" + "<div>" * 3000
    assert _extract(nested) == []
