"""Platforms (sites) found by crawling or declared by officers."""

from __future__ import annotations

from sqlalchemy import select
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
    """The platform of ``domain`` (its main domain or one of its further sites), created
    by whichever concurrent writer comes first."""
    owner = session.scalar(
        select(models.Platform)
        .join(models.PlatformSite, models.PlatformSite.platform_id == models.Platform.id)
        .where(models.PlatformSite.domain == domain)
    )
    if owner is not None:
        return owner
    return get_or_insert(
        session,
        models.Platform,
        {"domain": domain},
        name=name or domain,
        category=category,
        **fields,
    )
