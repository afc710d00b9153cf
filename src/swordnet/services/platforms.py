"""Platforms (sites) found by crawling or declared by officers."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from swordnet.domain.kinds import PlatformCategory
from swordnet.storage import models
from swordnet.storage.rows import get_or_insert


def site_key(url: str) -> str:
    """The platform key of a URL: host, with the port when it is not the default one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{host}:{parts.port}" if parts.port and parts.port != default else host


def get_or_create_platform(
    session: Session,
    domain: str,
    *,
    name: str | None = None,
    category: PlatformCategory = PlatformCategory.OTHER,
    **fields: object,
) -> models.Platform:
    """The platform of ``domain``, created by whichever concurrent writer comes first."""
    return get_or_insert(
        session,
        models.Platform,
        {"domain": domain},
        name=name or domain,
        category=category,
        **fields,
    )
