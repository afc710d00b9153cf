"""Platforms (sites) found by crawling or declared by officers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from swordnet.domain.kinds import PlatformCategory
from swordnet.domain.urls import site_key
from swordnet.storage import models
from swordnet.storage.rows import get_or_insert

__all__ = ["get_or_create_platform", "site_key"]


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
