"""Checking what people type about parties: e-mail addresses, URLs, domains, dates.

Each check returns the value as it is stored (trimmed, lower-cased where case carries no
meaning) or raises a ``PartyError`` that names the field and says what is expected."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from swordnet.domain.errors import SwordNetError
from swordnet.domain.urls import site_key


class PartyError(SwordNetError):
    """A party's record cannot be stored as given; the message says what to change."""


class DuplicatePartyError(PartyError):
    """A record with this name, domain or code exists already."""


# deliberately plain: one @, a local part without spaces, a dotted domain
_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def required_text(field: str, value: str | None) -> str:
    text = optional_text(value)
    if text is None:
        raise PartyError(f"{field} is required: give a non-empty value")
    return text


def email(field: str, value: str | None) -> str | None:
    """An e-mail address, or None when empty."""
    text = optional_text(value)
    if text is None:
        return None
    if len(text) > 320 or not _EMAIL.match(text):
        raise PartyError(
            f"{field}: {text!r} is not an e-mail address; write it as name@example.com"
        )
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def emails(field: str, values: list[str] | None) -> list[str]:
    """Distinct e-mail addresses, in the order given."""
    found: list[str] = []
    for value in values or []:
        address = email(field, value)
        if address is not None and address not in found:
            found.append(address)
    return found


def url(field: str, value: str | None, *, web_only: bool = True) -> str | None:
    """An absolute http(s) URL, or None when empty."""
    text = optional_text(value)
    if text is None:
        return None
    parts = urlsplit(text)
    if web_only and parts.scheme.lower() not in ("http", "https"):
        raise PartyError(f"{field}: {text!r} must be an http:// or https:// URL")
    if not parts.hostname:
        raise PartyError(
            f"{field}: {text!r} has no host; write a full URL, https://example.com/..."
        )
    return text


def domain(value: str | None) -> str:
    """A platform's main domain, as crawled URLs are keyed (``example.com``, with the port
    when not the default). A URL is accepted and reduced to its host."""
    text = required_text("domain", value).lower()
    if "://" in text:
        try:
            return site_key(text)
        except ValueError as exc:
            raise PartyError(f"domain: {text!r} is not a valid URL ({exc})") from None
    try:
        host = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise PartyError(f"domain: {text!r} is not a valid host name") from None
    name = host.split(":", 1)[0]
    if not _HOST.match(host) or ("." not in name and name != "localhost"):
        raise PartyError(
            f"domain: {text!r} is not a host name; write it as example.com (no path, no spaces)"
        )
    return host


def country(value: str | None) -> str | None:
    text = optional_text(value)
    if text is None:
        return None
    text = text.upper()
    if not _COUNTRY.match(text):
        raise PartyError(f"country: {text!r} must be a two-letter ISO 3166 code such as CN or US")
    return text


def iso_date(field: str, value: str | date | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise PartyError(f"{field}: {value!r} is not a date; write it as YYYY-MM-DD") from None
