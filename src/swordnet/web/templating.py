"""Rendering pages: one Jinja2 environment, the caller's language, the navigation their
role allows, the CSRF token for forms and HTMX."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from swordnet.services.access import Principal, allowed
from swordnet.web.deps import Caller, language
from swordnet.web.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translator

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str  # English source string, translated when rendered
    path: str
    action: str  # shown only to a role granted this


# The main navigation, in order. A page group adds itself here; the role decides.
NAVIGATION: list[NavItem] = [
    NavItem(N_("Dashboard"), "/", "dashboard.read"),
]


# The order of the main navigation (the day's work first); paths not listed come after.
NAV_ORDER = (
    "/",
    "/portal/platform",
    "/portal/holder",
    "/review",
    "/works",
    "/targets",
    "/notices",
    "/counter-notices",
    "/prewarning",
    "/cases",
)
# Records and settings, in a menu of their own.
ADMIN_ORDER = (
    "/platforms",
    "/holders",
    "/agencies",
    "/regions",
    "/users",
    "/audit",
    "/account/tokens",
)


def add_nav(label: str, path: str, action: str) -> None:
    if all(item.path != path for item in NAVIGATION):
        NAVIGATION.append(NavItem(label, path, action))
        NAVIGATION.sort(key=_nav_rank)


def _nav_rank(item: NavItem) -> tuple[int, int]:
    if item.path in NAV_ORDER:
        return (0, NAV_ORDER.index(item.path))
    if item.path in ADMIN_ORDER:
        return (2, ADMIN_ORDER.index(item.path))
    return (1, 0)


def _newstyle_gettext(translate: Translator) -> Any:
    """``{% trans %}`` blocks call this: the translation, with its %(name)s values escaped."""

    def gettext(message: str, **values: Any) -> Markup:
        return Markup(translate.gettext(message)) % values

    return gettext


def _newstyle_ngettext(translate: Translator) -> Any:
    def ngettext(singular: str, plural: str, count: int, **values: Any) -> Markup:
        values.setdefault("num", count)
        return Markup(translate.ngettext(singular, plural, count)) % values

    return ngettext


def _datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else value.strftime(fmt) + " UTC"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dt"] = _datetime
    # placeholders until a request installs the caller's language
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


ENV = _environment()


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = language(request)
    translate = Translator(lang)
    caller = getattr(request.state, "caller", None)
    principal: Principal | None = caller.principal if isinstance(caller, Caller) else None
    csrf = caller.csrf_token if isinstance(caller, Caller) else None
    nav = (
        [item for item in NAVIGATION if allowed(principal, item.action)]
        if principal is not None
        else []
    )
    admin_nav = [item for item in nav if item.path in ADMIN_ORDER]
    nav = [item for item in nav if item.path not in ADMIN_ORDER]
    values: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "csrf_token": csrf or "",
        "language": lang,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "nav": nav,
        "admin_nav": admin_nav,
        "can": (lambda action: principal is not None and allowed(principal, action)),
        "gettext": _newstyle_gettext(translate),
        "ngettext": _newstyle_ngettext(translate),
        "_": translate,
        "csrf_field": Markup('<input type="hidden" name="csrf_token" value="{}">').format(
            csrf or ""
        ),
    }
    clash = sorted(set(values) & set(context or {}))
    if clash:  # a page's own value would silently replace the frame's (its language links...)
        raise ValueError(f"{template}: context names reserved by the page frame: {clash}")
    values.update(context or {})
    body = ENV.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    response.headers.setdefault("Content-Language", lang.replace("_", "-"))
    return response
