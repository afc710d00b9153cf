"""A large generated pirate novel site for crawl benchmarks: list pages and chapters."""

from __future__ import annotations

import html
import random
from dataclasses import dataclass

from swordnet.simweb.content import chinese_chapter
from swordnet.simweb.server import Site

_PER_LIST = 50


@dataclass
class BenchWorld:
    site: Site
    catalogue: dict[str, str]  # file name -> reference text
    planted: dict[str, str]  # page path -> catalogue file name copied there
    pages: int  # chapter pages (list pages not counted)


def build_bench_world(
    pages: int = 2000, works: int = 40, copy_share: float = 0.1, seed: int = 7
) -> BenchWorld:
    rng = random.Random(seed)
    catalogue = {f"work-{n:03d}.txt": chinese_chapter(rng, 1500) for n in range(works)}
    names = sorted(catalogue)
    site = Site(key="bench", name="Bench Novel Site", category="literature")
    planted: dict[str, str] = {}
    lists = (pages + _PER_LIST - 1) // _PER_LIST
    nav = (
        '<nav><a href="/">首页</a> <a href="/list/0.html">书库</a> '
        '<a href="/rank.html">排行</a></nav>'
    )
    for number in range(pages):
        path = f"/book/{number // 100}/{number}.html"
        if rng.random() < copy_share:
            name = rng.choice(names)
            text = catalogue[name]
            planted[path] = name
        else:
            text = chinese_chapter(rng, 1500)
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
        neighbours = f'<a href="/book/{(number + 1) // 100}/{(number + 1) % pages}.html">下一章</a>'
        site.add_page(
            path,
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>第{number}章</title></head>"
            f"<body>{nav}<div class='ad'>【广告】无弹窗小说网</div><article><h1>第{number}章</h1>"
            f"{paragraphs}</article>{neighbours}<footer>© 小说网</footer></body></html>",
        )
    for index in range(lists):
        start = index * _PER_LIST
        items = "".join(
            f'<li><a href="/book/{n // 100}/{n}.html">第{n}章</a></li>'
            for n in range(start, min(start + _PER_LIST, pages))
        )
        following = f'<a href="/list/{index + 1}.html">下一页</a>' if index + 1 < lists else ""
        site.add_page(
            f"/list/{index}.html", f"<html><body>{nav}<ul>{items}</ul>{following}</body></html>"
        )
    site.add_page("/", f'<html><body>{nav}<a href="/list/0.html">全部小说</a></body></html>')
    site.add_page("/rank.html", f'<html><body>{nav}<a href="/list/0.html">排行榜</a></body></html>')
    return BenchWorld(site=site, catalogue=catalogue, planted=planted, pages=pages)
