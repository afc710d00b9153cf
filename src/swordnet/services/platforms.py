"""Platforms (sites) found by crawling or declared by officers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from swordnet.crawler.urls import site_key
from swordnet.domain.kinds import PlatformCategory
from swordnet.storage import models

__all__ = ["get_or_create_platform", "site_key"]


def get_or_create_platform(
    session: Session,
    domain: str,
    *,
    name: str | None = None,
    category: PlatformCategory = PlatformCategory.OTHER,
    **fields: object,
) -> models.Platform:
    platform = session.scalars(
        select(models.Platform).where(models.Platform.domain == domain)
    ).first()
    if platform is None:
        platform = models.Platform(domain=domain, name=name or domain, category=category, **fields)
        session.add(platform)
        session.flush()
    return platform
