"""Every page in Chinese and English: gettext catalogues read from ``locale/*/swordnet.po``.

Source strings are English; the ``.po`` files of ``locale/zh_CN/LC_MESSAGES/`` translate
them, one file per group of pages (``swordnet.po`` for the shared frame, ``review.po``,
``notices.po``...), merged into one catalogue. They are compiled in memory at start-up (no
build step, no ``.mo`` files in git). ``tests/web/test_i18n.py`` extracts every string of
the templates and the web code and fails while one has no translation.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "swordnet"
LANGUAGES = ("zh_CN", "en")
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


@cache
def translations(language: str) -> gettext.NullTranslations:
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    files = sorted(folder.glob("*.po")) if language in LANGUAGES else []
    if not files:
        return gettext.NullTranslations()
    merged: Translations | None = None
    for po in files:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(fp=buffer, domain=DOMAIN)
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    assert merged is not None
    return merged


@dataclass(frozen=True, slots=True)
class Translator:
    language: str

    @property
    def gettext(self) -> Callable[[str], str]:
        return translations(self.language).gettext

    @property
    def ngettext(self) -> Callable[[str, str, int], str]:
        return translations(self.language).ngettext

    def __call__(self, message: str, **values: object) -> str:
        text = self.gettext(message)
        return text % values if values else text


def negotiate(accept_language: str | None, default: str) -> str:
    """The best of LANGUAGES for an Accept-Language header."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    for _q, _i, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return default


def normalise(language: str | None) -> str | None:
    if not language:
        return None
    value = language.replace("-", "_")
    for known in LANGUAGES:
        if value.lower() == known.lower() or value.lower().split("_")[0] == known.lower()[:2]:
            return known
    return None


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Marks a string for the catalogue where it is defined; it is translated when shown."""
    return message
