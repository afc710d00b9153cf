"""Every word a legal document takes from data, in each language documents are written in.

A Chinese notice must be wholly Chinese and an English one wholly English: a reason, a
status or a kind of work is looked up here, never printed as its stored (English) value.
A value with no entry is a ``KeyError`` while rendering, not a foreign word in a notice;
``tests/unit/enforcement/test_vocabulary.py`` checks that every enum value has both.
A modality and the units of its segments are named by its signal type
(``SignalType.notice_labels``, ``SignalType.units``), read through ``swordnet.plugins``.
"""

from __future__ import annotations

from swordnet.domain.enforcement import EscalationGrounds
from swordnet.domain.kinds import NoticeStatus, WorkKind

LANGUAGES = ("zh", "en")

WORK_KINDS: dict[str, dict[str, str]] = {
    WorkKind.FILM: {"zh": "电影", "en": "film"},
    WorkKind.EPISODE: {"zh": "剧集", "en": "episode"},
    WorkKind.SHORT_VIDEO: {"zh": "短视频", "en": "short video"},
    WorkKind.MUSIC: {"zh": "音乐", "en": "music"},
    WorkKind.BOOK: {"zh": "图书", "en": "book"},
    WorkKind.CHAPTER: {"zh": "章节", "en": "chapter"},
    WorkKind.NEWS_ARTICLE: {"zh": "新闻作品", "en": "news article"},
    WorkKind.PHOTO: {"zh": "摄影作品", "en": "photograph"},
    WorkKind.COURSE: {"zh": "课程", "en": "course"},
    WorkKind.GAME: {"zh": "游戏", "en": "game"},
    WorkKind.SOFTWARE: {"zh": "软件", "en": "software"},
}

NOTICE_STATUSES: dict[str, dict[str, str]] = {
    NoticeStatus.DRAFT: {"zh": "草稿", "en": "draft"},
    NoticeStatus.RENDERED: {"zh": "已生成，未发出", "en": "rendered, not sent"},
    NoticeStatus.SENT: {"zh": "已发出，待处理", "en": "sent, awaiting action"},
    NoticeStatus.COMPLIED: {"zh": "已删除", "en": "complied"},
    NoticeStatus.PARTLY_COMPLIED: {"zh": "部分删除", "en": "partly complied"},
    NoticeStatus.IGNORED: {"zh": "未予处理", "en": "ignored"},
}

# What was matched by title: the extracted item's kind (``ExtractedItem.kind``).
TITLED_ITEMS: dict[str, dict[str, str]] = {
    "listing": {"zh": "商品", "en": "listing"},
    "share_link": {"zh": "分享链接", "en": "share link"},
    "torrent": {"zh": "种子", "en": "torrent"},
    "app": {"zh": "应用", "en": "app"},
}

# How a detection was made, as a notice states it. A fingerprint match gives a similarity
# of the copy to the work; a title match says only that the item names the work, never
# "text similarity", which it is not.
METHODS: dict[str, dict[str, str]] = {
    "fingerprint": {
        "zh": "{modality}比对（相似度 {score}）",
        "en": "{modality} matching (similarity {score})",
    },
    "title": {
        "zh": "标题及{item}信息与作品相符（{item}标题“{text}”，对应作品名称“{alias}”）",
        "en": 'title and {item} details match the work ({item} titled "{text}", naming "{alias}")',
    },
}

_GROUNDS = {
    "ignored_notices": {
        "zh": "在 {days} 天内对 {count} 份侵权通知未予处理",
        "en": "{count} notices ignored in {days} days",
    },
    "confirmed_detections": {
        "zh": "在 {days} 天内被确认侵权 {count} 项",
        "en": "{count} confirmed infringements in {days} days",
    },
}


def term(table: dict[str, dict[str, str]], value: str, language: str) -> str:
    """``value`` (an enum value) in ``language``."""
    return table[value][language]


def grounds_text(grounds: EscalationGrounds, language: str) -> str:
    return _GROUNDS[grounds.what][language].format(count=grounds.count, days=grounds.days)
