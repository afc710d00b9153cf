"""Templates (Jinja2) and PDF (fpdf2) for notices, shutdown requests and pre-warning lists."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateError, select_autoescape

from swordnet.storage import models

# CJK fonts the PDF can embed, first found wins (fonts-wqy-microhei, fonts-noto-cjk).
_CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # no CJK, but Unicode Latin
)


class _DocumentEnvironment(Environment):
    """Templates of legal documents: a dict's keys, never its methods, and nothing printed
    that is not a value."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Jinja reads `n.items` as the attribute first: on a dict that is the bound method,
        # and its repr went into a shutdown request. A mapping offers its keys only.
        if isinstance(obj, Mapping):
            return self.getitem(obj, attribute)
        return super().getattr(obj, attribute)


def _printable(value: Any) -> Any:
    if callable(value):
        raise TemplateError(
            f"a template printed {value!r}, which is not a value; "
            "give the template the value itself"
        )
    return value


@cache
def environment() -> Environment:
    return _DocumentEnvironment(
        loader=PackageLoader("swordnet", "templates"),
        finalize=_printable,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        undefined=StrictUndefined,  # a template asking for a missing field is a bug, not a gap
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def notice_recipients(platform: models.Platform | None, fallback_url: str = "") -> list[str]:
    """Every address notices for a platform go to: its ``notice_email`` and then its
    further ``notice_emails``; only when it declared none, abuse@ its host."""
    declared: list[str] = []
    if platform is not None:
        for address in [platform.notice_email, *(platform.notice_emails or [])]:
            if address and address not in declared:
                declared.append(str(address))
    if declared:
        return declared
    host = platform.domain if platform is not None else (urlsplit(fallback_url).hostname or "")
    return [f"abuse@{host.split(':', 1)[0] or 'unknown.invalid'}"]


def recipient_address(platform: models.Platform | None, fallback_url: str = "") -> str:
    """The first address of ``notice_recipients``: the one a notice is filed under."""
    return notice_recipients(platform, fallback_url)[0]


def cjk_font() -> Path | None:
    return next((path for path in _CJK_FONTS if path.is_file()), None)


def render_pdf(title: str, text: str) -> bytes:
    """The notice text as a PDF; Chinese needs a CJK font (see scripts/apt-packages.txt)."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(title)
    pdf.set_creator("SwordNet")
    font = cjk_font()
    if font is not None:
        pdf.add_font("body", fname=str(font))
        family = "body"
    else:
        family = "helvetica"
        text = text.encode("latin-1", "replace").decode("latin-1")
    pdf.add_page()
    pdf.set_font(family, size=10)
    for line in text.splitlines():
        # wrapmode CHAR: Chinese has no spaces, long URLs neither
        pdf.multi_cell(0, 5, line or " ", new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
    return bytes(pdf.output())
