"""Every string of every page, and every status a page shows, has its Chinese translation."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from babel.messages.extract import extract_from_dir

from swordnet.domain import kinds
from swordnet.web import i18n

WEB = Path(i18n.__file__).parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}


def _extracted() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        WEB, METHODS, keywords=KEYWORDS, options_map=OPTIONS
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, f"{filename}:{lineno}")
    return found


def _shown_values() -> set[str]:
    values: set[str] = set()
    for value in vars(kinds).values():
        if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
            values.update(member.value for member in value)
    return values


def test_every_string_has_a_chinese_translation() -> None:
    translations = i18n.translations("zh_CN")
    missing = sorted(
        f"{where}: {text!r}"
        for text, where in _extracted().items()
        if translations.gettext(text) == text
    )
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_every_status_and_kind_shown_has_a_chinese_name() -> None:
    translations = i18n.translations("zh_CN")
    missing = sorted(v for v in _shown_values() if translations.gettext(v) == v)
    assert not missing, f"no Chinese name for: {missing}"


def test_the_catalogue_has_no_empty_or_fuzzy_entries() -> None:
    from babel.messages.pofile import read_po

    for po in sorted((i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        bad = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        assert not bad, f"{po.name}: empty or fuzzy: {bad}"
