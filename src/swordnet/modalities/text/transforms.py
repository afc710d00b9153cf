"""What pirate literature and news sites do to a text, with a record of where it came from.

Used by the benchmark, the tests and the simulated pirate web. Every derived text keeps,
for each of its characters, the reference and position it was copied from (or -1 for
text the pirate added), so the copied spans a detector reports can be checked exactly.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import opencc

from swordnet.modalities.text.normalize import is_cjk

_AD_LINES = (
    "本章未完，点击下一页继续阅读最新章节",
    "【天才一秒记住本站地址：www.{site}.com 最快更新！无广告！】",
    "手机用户请浏览 m.{site}.net 阅读，更优质的阅读体验。",
    "喜欢本书请收藏：{site}小说网 免费小说全文阅读",
    "Read the latest chapters first at www.{site}.com - no ads, fast updates!",
    "Bookmark {site}.net for free novels, updated daily.",
    "请记住本书首发域名：{site}.org。笔趣阁手机版阅读网址：m.{site}.org",
)
_SITES = ("biquge", "xbiquge", "ddxs", "69shu", "novelfull", "freewebnovel", "uukanshu")
_FULL_WIDTH_OFFSET = 0xFEE0


@dataclass(frozen=True, slots=True)
class Derived:
    """A text and, per character, the reference id and position it was copied from."""

    text: str
    source_ref: npt.NDArray[np.int64]  # -1 where the pirate added the character
    source_pos: npt.NDArray[np.int64]

    @classmethod
    def of_reference(cls, ref_id: int, text: str) -> Derived:
        n = len(text)
        return cls(text, np.full(n, ref_id, dtype=np.int64), np.arange(n, dtype=np.int64))

    @classmethod
    def foreign(cls, text: str) -> Derived:
        n = len(text)
        return cls(text, np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64))

    def __add__(self, other: Derived) -> Derived:
        return Derived(
            self.text + other.text,
            np.concatenate((self.source_ref, other.source_ref)),
            np.concatenate((self.source_pos, other.source_pos)),
        )

    def slice(self, start: int, end: int) -> Derived:
        return Derived(self.text[start:end], self.source_ref[start:end], self.source_pos[start:end])

    def with_text(self, text: str) -> Derived:
        """Same provenance, characters replaced one for one."""
        assert len(text) == len(self.text)
        return Derived(text, self.source_ref, self.source_pos)


def _codes(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()


def _text(codes: npt.NDArray[np.uint32]) -> str:
    return codes.astype(np.uint32).tobytes().decode("utf-32-le")


def to_traditional(derived: Derived) -> Derived:
    """Simplified to traditional Chinese with OpenCC, one character for one."""
    converter = opencc.OpenCC("s2t")
    converted: str = converter.convert(derived.text)
    if len(converted) != len(derived.text):
        converted = "".join(c if len(t := converter.convert(c)) != 1 else t for c in derived.text)
    return derived.with_text(converted)


def full_width(derived: Derived, rng: random.Random, letter_share: float = 0.3) -> Derived:
    """ASCII punctuation to full-width forms, and some letters and digits too."""
    codes = _codes(derived.text)
    ascii_visible = (codes > 0x20) & (codes < 0x7F)
    letters = (
        ((codes >= 0x30) & (codes <= 0x39))
        | ((codes >= 0x41) & (codes <= 0x5A))
        | ((codes >= 0x61) & (codes <= 0x7A))
    )
    generator = np.random.default_rng(rng.getrandbits(32))
    chosen = ascii_visible & (~letters | (generator.random(len(codes)) < letter_share))
    codes[chosen] += _FULL_WIDTH_OFFSET
    codes[codes == 0x20] = 0x3000  # ideographic space
    return derived.with_text(_text(codes))


def substitute(derived: Derived, rng: random.Random, share: float) -> Derived:
    """Replace a share of the letters and CJK characters by others of the same script.

    Pirates swap characters for homophones or look-alikes to dodge keyword filters;
    random replacement is the harder case, since no normaliser can undo it.
    """
    codes = _codes(derived.text)
    generator = np.random.default_rng(rng.getrandbits(32))
    cjk = is_cjk(codes)
    lower = (codes >= 0x61) & (codes <= 0x7A)
    upper = (codes >= 0x41) & (codes <= 0x5A)
    picked = generator.random(len(codes)) < share
    cjk_pick = picked & cjk
    codes[cjk_pick] = generator.integers(0x4E00, 0x9FA6, int(cjk_pick.sum()), dtype=np.uint32)
    for mask, first in ((picked & lower, 0x61), (picked & upper, 0x41)):
        shift = generator.integers(1, 26, int(mask.sum()), dtype=np.uint32)
        codes[mask] = (codes[mask] - first + shift) % 26 + first
    return derived.with_text(_text(codes))


# Latin letters and the Cyrillic or Greek letters drawn like them.
_LOOK_ALIKES = {
    "a": "\u0430", "c": "\u0441", "e": "\u0435", "i": "\u0456", "j": "\u0458",
    "o": "\u043e", "p": "\u0440", "s": "\u0455", "x": "\u0445", "y": "\u0443",
    "A": "\u0391", "B": "\u0392", "C": "\u0421", "E": "\u0395", "H": "\u0397",
    "I": "\u0399", "K": "\u039a", "M": "\u039c", "N": "\u039d", "O": "\u039f",
    "P": "\u03a1", "T": "\u03a4", "X": "\u03a7", "Y": "\u03a5", "Z": "\u0396",
}  # fmt: skip
_CJK_NOISE = ("\u200b", "\u200b", "\u00b7", "\u2605", "*", "\u3000")  # zero-width space, dot, star


def disguise(derived: Derived, rng: random.Random, share: float = 0.5) -> Derived:
    """What pirates do to slip past keyword filters without changing what a reader sees.

    A share of the Latin letters that have a Cyrillic or Greek double become it; after a
    fifth of the CJK characters, a zero-width space or a decorative symbol is inserted.
    """
    pieces: list[Derived] = []
    chars = list(derived.text)
    start = 0
    for position, char in enumerate(chars):
        double = _LOOK_ALIKES.get(char)
        if double is not None and rng.random() < share:
            chars[position] = double
        elif "\u4e00" <= char <= "\u9fff" and rng.random() < 0.2:
            pieces.append(
                derived.slice(start, position + 1).with_text("".join(chars[start : position + 1]))
            )
            pieces.append(Derived.foreign(rng.choice(_CJK_NOISE)))
            start = position + 1
    pieces.append(derived.slice(start, len(chars)).with_text("".join(chars[start:])))
    return _join(pieces)


def insert_ads(
    derived: Derived, rng: random.Random, every: tuple[int, int] = (200, 400)
) -> Derived:
    """An ad line every 200-400 characters, at the next line end or space if there is one."""
    pieces: list[Derived] = []
    start = 0
    text = derived.text
    while start < len(text):
        cut = min(len(text), start + rng.randint(*every))
        for candidate in range(cut, min(len(text), cut + 40)):
            if text[candidate] in "\n 。.":
                cut = candidate + 1
                break
        pieces.append(derived.slice(start, cut))
        if cut < len(text):
            ad = rng.choice(_AD_LINES).format(site=rng.choice(_SITES))
            pieces.append(Derived.foreign(f"\n{ad}\n"))
        start = cut
    return _join(pieces)


def excerpt(derived: Derived, rng: random.Random, length: int) -> Derived:
    """A contiguous excerpt of ``length`` characters (all of it if shorter)."""
    if len(derived.text) <= length:
        return derived
    start = rng.randint(0, len(derived.text) - length)
    return derived.slice(start, start + length)


def merge_chapters(first: Derived, second: Derived, heading: str) -> Derived:
    return _join([first, Derived.foreign(f"\n\n{heading}\n\n"), second])


def split_chapter(derived: Derived, rng: random.Random) -> tuple[Derived, Derived]:
    """Cut a chapter in two near a random point between a third and two thirds."""
    n = len(derived.text)
    cut = rng.randint(n // 3, max(n // 3, 2 * n // 3))
    line_end = derived.text.find("\n", cut)
    if 0 < line_end < 2 * n // 3 + 200:
        cut = line_end + 1
    return derived.slice(0, cut), derived.slice(cut, n)


def _join(pieces: list[Derived]) -> Derived:
    return Derived(
        "".join(p.text for p in pieces),
        np.concatenate([p.source_ref for p in pieces] or [np.empty(0, np.int64)]),
        np.concatenate([p.source_pos for p in pieces] or [np.empty(0, np.int64)]),
    )


def embed_in_page(copied: Derived, filler: list[str], rng: random.Random) -> str:
    """An HTML page of a pirate site: menus, ads, a link list, unrelated paragraphs, the copy.

    The copy sits among unrelated paragraphs inside the article, as on reprint sites that
    pad a stolen excerpt with their own text. Provenance is not kept through HTML:
    checks on pages use reference offsets.
    """
    site = rng.choice(_SITES)
    before = rng.randint(1, max(1, len(filler) - 1))
    paragraphs = [*filler[:before], copied.text, *filler[before:]]
    body = "\n".join(
        f"<p>{html.escape(line)}</p>" for p in paragraphs for line in p.splitlines() if line.strip()
    )
    nav = " | ".join(
        f'<a href="/{n}">{n}</a>' for n in ("首页", "排行榜", "完本", "书架", "Home", "Latest")
    )
    links = "".join(
        f'<li><a href="/book/{rng.randint(1, 99999)}">热门小说 {i}</a></li>' for i in range(12)
    )
    ads = "".join(
        f'<div class="ad">{html.escape(rng.choice(_AD_LINES).format(site=site))}</div>'
        for _ in range(3)
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{site} - 免费阅读</title>"
        "<script>var _hmt = _hmt || [];</script></head><body>"
        f"<header><nav>{nav}</nav></header>{ads}"
        f"<div id='main'><article><h1>最新章节 Chapter {rng.randint(1, 900)}</h1>{body}</article>"
        f"<aside><h3>猜你喜欢</h3><ul>{links}</ul></aside></div>"
        f"<footer>Copyright © {site}.com 本站所有小说均来自网友上传</footer></body></html>"
    )
