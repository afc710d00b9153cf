"""Append the web app's untranslated strings to a zh_CN catalogue, for a translator.

    .venv/bin/python scripts/i18n_missing.py review   # -> locale/zh_CN/LC_MESSAGES/review.po

Each new entry gets an empty msgstr and a comment naming where it is used; fill them in.
``tests/web/test_i18n.py`` fails until every string has a translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from swordnet.domain import kinds
from swordnet.web import i18n


def main(group: str) -> None:
    web = Path(i18n.__file__).parent
    target = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{group}.po"
    if target.is_file():
        with target.open("rb") as handle:
            catalog = read_po(handle, locale="zh_CN")
    else:
        catalog = Catalog(locale="zh_CN", project="SwordNet", domain="swordnet")
    known = i18n.translations("zh_CN")
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    methods = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {
        "**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
    }
    added = 0
    found = [
        (message, f"{filename}:{lineno}")
        for filename, lineno, message, _c, _x in extract_from_dir(
            web, methods, keywords=keywords, options_map=options
        )
    ]
    found += [
        (member.value, f"domain/kinds.py:{enum.__name__}")
        for enum in vars(kinds).values()
        if isinstance(enum, type) and issubclass(enum, kinds.StrEnum) and enum is not kinds.StrEnum
        for member in enum
    ]
    for message, where in found:
        for text in message if isinstance(message, tuple) else (message,):
            if text and known.gettext(text) == text and text not in catalog:
                catalog.add(text, "", auto_comments=[where])
                added += 1
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    print(f"{added} strings added to {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "swordnet")
