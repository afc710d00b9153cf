"""The demonstration world: a catalogue of works and pirate sites that copy them.

Everything is generated from a seed. ``World.expected`` records which page carries which
work and how it was altered, so the demo and the tests can check what detection found.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field

import opencc

from swordnet.simweb import media
from swordnet.simweb.content import chinese_chapter, english_article
from swordnet.simweb.more_sites import (
    build_forum,
    build_gallery,
    build_music_site,
    build_shop,
    build_video_site,
)
from swordnet.simweb.server import Response, Site

NOVEL_HOLDER = "Qingyun Literature Press"
NEWS_HOLDER = "Harbour Daily News"
PHOTO_HOLDER = "Lens and Light Photo Agency"
MUSIC_HOLDER = "Harbour Records"
FILM_HOLDER = "Bright Harbour Pictures"


# The reprint site sells memberships: the demo reads its figures (price, members, clicks)
# from the captured page, as an investigator would, and states that page as their source.
VIP_PAGE_TEXT = (
    "VIP会员：全年 ¥40，免广告阅读本站全部转载新闻。\n"
    "VIP membership: CNY 40 a year, ad-free reading of every reprint on this site.\n"
    "已有 800 名VIP会员 / 800 VIP members have joined.\n"
    "本站累计点击 62,000 次 / 62,000 article views so far."
)


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    key: str
    title: str
    kind: str
    holder: str
    text: str = ""
    key_work: bool = False
    data: bytes | None = None  # binary reference file (photo, music)
    suffix: str = ".txt"

    @property
    def filename(self) -> str:
        return f"{self.key}{self.suffix}"

    def content(self) -> bytes:
        return self.data if self.data is not None else self.text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class Expected:
    site: str
    path: str  # on the site, or an absolute URL elsewhere (a cloud-storage share link)
    work: str  # CatalogueEntry.key
    transform: str

    def url(self, base_urls: dict[str, str]) -> str:
        return self.path if "://" in self.path else base_urls[self.site] + self.path


@dataclass
class World:
    catalogue: list[CatalogueEntry]
    sites: list[Site]
    expected: list[Expected] = field(default_factory=list)

    def entry(self, key: str) -> CatalogueEntry:
        return next(entry for entry in self.catalogue if entry.key == key)


# -- the alterations pirate sites make (the text modality's transforms grow these) ----
def to_traditional(text: str) -> str:
    converted: str = opencc.OpenCC("s2t").convert(text)
    return converted


def to_full_width(text: str) -> str:
    """ASCII letters, digits and punctuation to their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def inject_ads(text: str, rng: random.Random, ads: list[str]) -> str:
    """An ad line every 200-400 characters, at the next line or sentence boundary."""
    out: list[str] = []
    since = 0
    threshold = rng.randint(200, 400)
    for char in text:
        out.append(char)
        since += 1
        if since >= threshold and char in "。！？.!?\n":
            out.append(f"\n{rng.choice(ads)}\n")
            since = 0
            threshold = rng.randint(200, 400)
    return "".join(out)


# -- page templates --------------------------------------------------------------------
def _paragraphs(text: str) -> str:
    return "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())


def _page(site_name: str, title: str, body: str, nav: list[tuple[str, str]], ad: str) -> str:
    links = " | ".join(f'<a href="{href}">{html.escape(label)}</a>' for href, label in nav)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>{html.escape(title)} - {html.escape(site_name)}</title></head>
<body>
<header><div class="logo">{html.escape(site_name)}</div><nav>{links}</nav></header>
<div class="ad-banner">{html.escape(ad)}</div>
<main><article><h1>{html.escape(title)}</h1>
{body}
</article></main>
<footer><p>Copyright © {html.escape(site_name)}. All rights reserved.</p><nav>{links}</nav></footer>
</body></html>"""


_NOVEL_ADS = [
    "【广告】手机看小说，请访问最新网址，无弹窗免费阅读！",
    "【推荐】本站新书榜单每日更新，收藏本站不迷路。",
]
_NEWS_ADS = [
    "ADVERTISEMENT: Win a holiday for two - click here!",
    "Sponsored: the best mortgage rates this week.",
]


def _site(
    key: str, name: str, category: str, pages: list[tuple[str, str, str]], ads: list[str]
) -> Site:
    """pages: (path, title, text); an index page links them all."""
    site = Site(key=key, name=name, category=category)
    nav = [("/", "Home")] + [(path, title) for path, title, _ in pages[:6]]
    for number, (path, title, text) in enumerate(pages):
        site.add_page(path, _page(name, title, _paragraphs(text), nav, ads[number % len(ads)]))
    listing = "\n".join(
        f'<li><a href="{path}">{html.escape(title)}</a></li>' for path, title, _ in pages
    )
    site.add_page("/", _page(name, name, f"<ul>{listing}</ul>", nav, ads[0]))
    site.routes["/robots.txt"] = Response(b"User-agent: *\nAllow: /\n", "text/plain")
    return site


def build_world(seed: int = 2017, *, with_media: bool = True) -> World:
    """The demo catalogue and the sites that copy it; ``with_media`` adds photos, music,
    the shop and the forum (a few seconds to generate)."""
    rng = random.Random(seed)
    catalogue: list[CatalogueEntry] = []
    for book_key, book_title, chapters in (("sword", "剑影江湖", 4), ("river", "长河落日", 3)):
        for number in range(1, chapters + 1):
            catalogue.append(
                CatalogueEntry(
                    key=f"{book_key}-{number}",
                    title=f"{book_title} 第{number}章",
                    kind="chapter",
                    holder=NOVEL_HOLDER,
                    text=chinese_chapter(rng, 1800),
                    key_work=book_key == "sword",
                )
            )
    for number in range(1, 5):
        text = english_article(rng, 380)
        headline = " ".join(text.split()[:6]).rstrip(".,")
        catalogue.append(
            CatalogueEntry(
                key=f"news-{number}",
                title=headline,
                kind="news_article",
                holder=NEWS_HOLDER,
                text=text,
            )
        )
    world = World(catalogue=catalogue, sites=[])
    by_key = {entry.key: entry for entry in catalogue}

    novel_pages: list[tuple[str, str, str]] = []

    def pirate(
        site: str, pages: list[tuple[str, str, str]], path: str, key: str, transform: str, text: str
    ) -> None:
        pages.append((path, by_key[key].title, text))
        world.expected.append(Expected(site, path, key, transform))

    pirate("novels", novel_pages, "/book/1/1.html", "sword-1", "exact", by_key["sword-1"].text)
    pirate(
        "novels",
        novel_pages,
        "/book/1/2.html",
        "sword-2",
        "traditional",
        to_traditional(by_key["sword-2"].text),
    )
    pirate(
        "novels",
        novel_pages,
        "/book/1/3.html",
        "sword-3",
        "ads",
        inject_ads(by_key["sword-3"].text, rng, _NOVEL_ADS),
    )
    excerpt = by_key["river-1"].text[400:1200]
    pirate(
        "novels",
        novel_pages,
        "/book/2/1.html",
        "river-1",
        "excerpt-embedded",
        f"{chinese_chapter(rng, 500)}\n{excerpt}\n{chinese_chapter(rng, 400)}",
    )
    pirate("novels", novel_pages, "/book/2/2.html", "river-2", "exact", by_key["river-2"].text)
    for number in range(1, 4):  # the site's own novels: must not match anything
        novel_pages.append(
            (f"/book/9/{number}.html", f"原创小说 第{number}章", chinese_chapter(rng, 1500))
        )

    news_pages: list[tuple[str, str, str]] = []
    pirate("reprints", news_pages, "/news/101.html", "news-1", "exact", by_key["news-1"].text)
    pirate(
        "reprints",
        news_pages,
        "/news/102.html",
        "news-2",
        "excerpt-embedded",
        f"{english_article(rng, 80)}\n{by_key['news-2'].text[200:900]}",
    )
    pirate(
        "reprints",
        news_pages,
        "/news/103.html",
        "news-3",
        "full-width",
        to_full_width(by_key["news-3"].text),
    )
    news_pages.append(("/news/104.html", "Local market report", english_article(rng, 300)))
    news_pages.append(("/vip.html", "VIP membership", VIP_PAGE_TEXT))

    licensed_pages = [("/wire/4.html", by_key["news-4"].title, by_key["news-4"].text)]
    world.expected.append(Expected("licensed", "/wire/4.html", "news-4", "licensed reprint"))

    world.sites = [
        _site("novels", "Free Novel Pavilion", "literature", novel_pages, _NOVEL_ADS),
        _site("reprints", "Daily Reprint Net", "news", news_pages, _NEWS_ADS),
        _site("licensed", "Licensed News Partner", "news", licensed_pages, _NEWS_ADS),
    ]
    if with_media:
        _add_media_and_commerce(world, rng)
    return world


def _add_media_and_commerce(world: World, rng: random.Random) -> None:
    photos = {f"photo-{n}": 100 + n for n in range(1, 5)}
    tracks = {f"track-{n}": 200 + n for n in range(1, 4)}
    for key, seed in photos.items():
        world.catalogue.append(
            CatalogueEntry(
                key=key,
                title=f"Harbour at Dawn No. {seed - 100}",
                kind="photo",
                holder=PHOTO_HOLDER,
                data=media.png_bytes(media.photo(seed)),
                suffix=".png",
            )
        )
    for key, seed in tracks.items():
        world.catalogue.append(
            CatalogueEntry(
                key=key,
                title=f"River Suite, Part {seed - 200}",
                kind="music",
                holder=MUSIC_HOLDER,
                data=media.encode_audio(media.music(seed), bit_rate=160000),
                suffix=".mp3",
            )
        )
    world.catalogue.append(
        CatalogueEntry(
            key="film-1",
            title="The Lighthouse Keeper",
            kind="film",
            holder=FILM_HOLDER,
            data=media.video(301),
            suffix=".mp4",
        )
    )
    video_site, planted_video = build_video_site("film-1", 301)
    world.expected += [Expected("video", p, k, t) for p, k, t in planted_video]
    gallery, planted_photos = build_gallery(photos, rng)
    music_site, planted_tracks = build_music_site(tracks, rng)
    world.expected += [Expected("gallery", p, k, t) for p, k, t in planted_photos]
    world.expected += [Expected("music", p, k, t) for p, k, t in planted_tracks]

    chapters = {
        book: [entry.key for entry in world.catalogue if entry.title.startswith(book)]
        for book in ("剑影江湖", "长河落日")
    }
    shop, listed, covers = build_shop(
        {
            "剑影江湖": "《剑影江湖》全集 TXT电子书 精校版",
            "长河落日": "长河落日 全本 无删减 电子书",
        },
        ("photo-1", photos["photo-1"]),
        rng,
    )
    world.expected += [Expected("shop", p, k, t) for p, k, t in covers]
    baidu, quark = "https://pan.baidu.com/s/", "https://pan.quark.cn/s/"
    forum, posted = build_forum(
        [
            (
                "长河落日",
                "【分享】长河落日 全本 百度网盘",
                f"链接: {baidu}1Xy7QkLmNpR 提取码: x7k9",
            ),
            ("剑影江湖", "剑影江湖 全集 夸克网盘 免费下载", f"链接: {quark}ab12cd34ef56"),
            ("", "周末旅行攻略合集", f"链接: {baidu}1TravelNotes9 提取码: 1234"),
        ]
    )
    for site_key, found in (("shop", listed), ("forum", posted)):
        for path, book in found:
            world.expected += [Expected(site_key, path, key, "title") for key in chapters[book]]
    world.sites += [gallery, music_site, video_site, shop, forum]
