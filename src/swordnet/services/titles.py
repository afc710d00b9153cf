"""Matching listings and share links to works by title.

Pirates wrap a title in noise ("【高清】流浪地球2 4K 蓝光 未删减 百度网盘", "Oppenheimer.2023.
1080p.BluRay.x264"). Titles and the text around a link are normalised the same way (NFKC,
case folding, simplified Chinese, brackets and release noise removed, season and episode
markers kept and compared), then scored with rapidfuzz's ``token_set_ratio``: the words a
title shares with the text count, extra words in the text do not. Short titles are where
fuzzy matching lies ("长安" in "长安十二时辰"), so titles under three characters must equal
the whole text or a 《bracketed》 part of it.

Pure functions over ``(work_id, title, aliases)`` triples; no database access here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from swordnet.modalities.text.normalize import to_simplified

DEFAULT_THRESHOLD = 90.0
# Titles shorter than this (in characters, spaces not counted) must match exactly.
EXACT_BELOW = 3

Scorer = Callable[..., float]
WorkTitles = tuple[int, str, Sequence[str]]

# Release and format noise; Chinese words are removed wherever they occur, English ones as
# whole words. Longest first so that "txt下载" goes before "txt".
_CHINESE_NOISE_WORDS = (
    "全集 高清 超清 标清 蓝光 原盘 完整版 未删减 无删减 全本 精校 精校版 全文 完本 完结 "
    "txt下载 下载 免费下载 在线观看 在线阅读 在线播放 百度网盘 百度云 阿里云盘 夸克网盘 网盘 "
    "云盘 资源 合集 国语 粤语 中字 中英字幕 双语字幕 字幕 电子书 有声书 有声小说 最新章节 "
    "正版 破解版 修订版 珍藏版 典藏版 收藏版 导演剪辑版 加长版 院线版 抢先版 枪版 tc版 链接 "
    "提取码 分享 新版 旧版 老版 全 集 部 季"
)
_CHINESE_NOISE = sorted(_CHINESE_NOISE_WORDS.split(), key=len, reverse=True)
_ENGLISH_NOISE_WORDS = (
    "complete full hd uhd fhd 4k 8k 2160p 1080p 1080i 720p 480p bluray blu ray bdrip brrip "
    "remux web dl webrip webdl hdrip dvdrip hdtv x264 x265 h264 h265 hevc avc aac ac3 dts "
    "atmos 10bit hdr hdr10 mp4 mkv avi txt epub mobi azw3 pdf ebook audiobook download free "
    "online watch subbed dubbed multi proper repack extended unrated uncut remastered"
)
_ENGLISH_NOISE = _ENGLISH_NOISE_WORDS.split()
# "全 集 部 季" above only ever remain alone after the markers are cut out; single
# characters are removed only as whole tokens, see _strip_noise.
_SINGLE_CHAR_NOISE = frozenset(w for w in _CHINESE_NOISE if len(w) == 1)
_CHINESE_NOISE_RE = re.compile("|".join(re.escape(w) for w in _CHINESE_NOISE if len(w) > 1))
_ENGLISH_NOISE_RE = re.compile(r"\b(?:" + "|".join(_ENGLISH_NOISE) + r")\b")
# Episode counts ("全36集", "共40集", "1-200集") say how much is offered, not which episode.
_EPISODE_COUNT = re.compile(
    r"[全共]\s*\d{1,4}\s*[集话話回章]|\d{1,4}\s*[-~]\s*\d{1,4}\s*[集话話回]"
)
# A release year is noise in a text ("Up 2009 1080p") but a title may be a year ("1984",
# "2046"): texts are also tried without their year tokens, titles keep them.
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_BRACKETED_TITLE = re.compile(r"《([^《》]{1,100})》")
_PUNCTUATION = re.compile(r"[\W_]+")
_CN_NUMERAL = "〇一二三四五六七八九"
_NUM = r"(\d{1,3}|[〇零一二两三四五六七八九十百]{1,4})"
_SEASON = re.compile(r"第\s*" + _NUM + r"\s*[季部]|\bseason\s*(\d{1,3})\b|\bs(\d{1,2})(?=e\d|\b)")
_EPISODE = re.compile(
    r"第\s*" + _NUM + r"\s*[集话話回期]|\bepisode\s*(\d{1,4})\b|\be[p]?(\d{1,4})\b"
)
_SxxEyy = re.compile(r"\bs(\d{1,2})e(\d{1,4})\b")


@dataclass(frozen=True, slots=True)
class TitleMatch:
    work_id: int
    score: float
    matched_alias: str


def _number(text: str) -> int | None:
    """An Arabic or Chinese numeral up to 999."""
    if text.isdigit():
        return int(text)
    text = text.replace("两", "二").replace("零", "〇")
    if all(c in _CN_NUMERAL for c in text):
        return int("".join(str(_CN_NUMERAL.index(c)) for c in text))
    total, current = 0, 0
    for char in text:
        if char in _CN_NUMERAL:
            current = _CN_NUMERAL.index(char)
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _fold(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text).casefold())


def episode_markers(text: str) -> tuple[int | None, int | None]:
    """Season and episode numbers written in a title ("第二季 第5集", "S02E05", "EP5")."""
    folded = _fold(text)
    combined = _SxxEyy.search(folded)
    if combined:
        return int(combined.group(1)), int(combined.group(2))
    season = _SEASON.search(folded)
    episode = _EPISODE.search(folded)

    def first_number(found: re.Match[str] | None) -> int | None:
        if found is None:
            return None
        return next((_number(g) for g in found.groups() if g), None)

    return first_number(season), first_number(episode)


def _strip_noise(text: str) -> str:
    text = _ENGLISH_NOISE_RE.sub(" ", _CHINESE_NOISE_RE.sub(" ", text))
    tokens = [t for t in _PUNCTUATION.sub(" ", text).split() if t not in _SINGLE_CHAR_NOISE]
    return " ".join(tokens)


def normalise_title(text: str) -> str:
    """Text as titles are compared: folded, simplified, without brackets or release noise."""
    folded = _EPISODE_COUNT.sub(" ", _fold(text))
    # Season and episode markers become words of one spelling ("第二季", "Season 2", "S02"
    # all read "s2") so that they survive as tokens and compare across languages.
    folded = _SxxEyy.sub(lambda m: f" s{int(m.group(1))} e{int(m.group(2))} ", folded)
    folded = _SEASON.sub(lambda m: _marker("s", m), folded)
    folded = _EPISODE.sub(lambda m: _marker("e", m), folded)
    return _strip_noise(folded)


def _marker(prefix: str, found: re.Match[str]) -> str:
    number = next((_number(g) for g in found.groups() if g), None)
    return f" {prefix}{number} " if number is not None else f" {found.group(0)} "


def _queries(text: str) -> tuple[list[str], list[str]]:
    """The whole text and each 《bracketed》 part of it, normalised; and those without years."""
    folded = unicodedata.normalize("NFKC", text)
    queries = [normalise_title(folded)]
    queries += [normalise_title(part) for part in _BRACKETED_TITLE.findall(folded)[:10]]
    queries = [q for q in dict.fromkeys(queries) if q]
    yearless = [" ".join(_YEAR.sub(" ", q).split()) for q in queries]
    return queries, [q for q in dict.fromkeys(yearless) if q and q not in queries]


@dataclass(frozen=True, slots=True)
class _Alias:
    work_id: int
    alias: str
    normalised: str
    markers: tuple[int | None, int | None]


def _markers_agree(
    query: tuple[int | None, int | None], alias: tuple[int | None, int | None]
) -> bool:
    return all(q is None or a is None or q == a for q, a in zip(query, alias, strict=True))


class TitleMatcher:
    """Scores texts against a catalogue of titles and aliases, built once and reused.

    ``scorer`` is any rapidfuzz scorer (it is called through ``rapidfuzz.process``, which
    scores a whole catalogue in C).
    """

    def __init__(
        self,
        works: Iterable[WorkTitles],
        threshold: float = DEFAULT_THRESHOLD,
        scorer: Scorer = fuzz.token_set_ratio,
    ) -> None:
        if not 0 <= threshold <= 100:
            raise ValueError(f"title match threshold must be within 0-100, got {threshold}")
        self.threshold = threshold
        self._scorer = scorer
        self._fuzzy: list[_Alias] = []
        self._exact: dict[str, list[_Alias]] = {}
        for work_id, title, aliases in works:
            for alias in dict.fromkeys([title, *aliases]):
                normalised = normalise_title(alias)
                if not normalised:
                    continue
                entry = _Alias(work_id, alias, normalised, episode_markers(alias))
                if len(normalised.replace(" ", "")) < EXACT_BELOW:
                    self._exact.setdefault(normalised, []).append(entry)
                else:
                    self._fuzzy.append(entry)
        self._choices = [entry.normalised for entry in self._fuzzy]

    def _scored(self, queries: list[str]) -> dict[int, tuple[_Alias, float]]:
        """Aliases scoring at least the threshold against any query, with their best score,
        by ``id`` of the alias."""
        scored: dict[int, tuple[_Alias, float]] = {}
        for query in queries:
            found = process.extract(
                query, self._choices, scorer=self._scorer, score_cutoff=self.threshold, limit=None
            )
            for _, score, index in found:
                entry = self._fuzzy[index]
                if id(entry) not in scored or score > scored[id(entry)][1]:
                    scored[id(entry)] = (entry, float(score))
            for entry in self._exact.get(query, []):
                scored[id(entry)] = (entry, 100.0)
        return scored

    def match(self, text: str, limit: int | None = None) -> list[TitleMatch]:
        """Works whose title or an alias matches ``text``, best first, one entry per work."""
        queries, yearless = _queries(text)
        if not queries:
            return []
        markers = episode_markers(text)
        best: dict[int, tuple[float, float, TitleMatch]] = {}
        for entry, score in self._scored(queries + yearless).values():
            if not _markers_agree(markers, entry.markers):
                continue
            # Equal scores: the alias closest to the whole text is the more specific work
            # ("The Matrix Reloaded" over "The Matrix", "庆余年" over "庆余年 第二季").
            rank = (score, max(fuzz.ratio(q, entry.normalised) for q in queries))
            known = best.get(entry.work_id)
            if known is None or rank > known[:2]:
                best[entry.work_id] = (
                    *rank,
                    TitleMatch(entry.work_id, round(score, 1), entry.alias),
                )
        ranked = [m for *_, m in sorted(best.values(), key=lambda r: (-r[0], -r[1]))]
        return ranked[:limit] if limit is not None else ranked


def match_title(
    text: str, works: Iterable[WorkTitles], threshold: float = DEFAULT_THRESHOLD
) -> list[TitleMatch]:
    """One-off matching; build a :class:`TitleMatcher` to match many texts."""
    return TitleMatcher(works, threshold).match(text)
