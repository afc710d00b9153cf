"""A pre-warning list protects its works for its window, not for ever."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from swordnet.bootstrap import Container
from swordnet.services.catalogue import WorkSpec, register_files
from swordnet.services.enforcement.prewarning import ProtectionWindows, publish_list
from swordnet.services.monitoring import TargetSpec, _seed_urls, add_target
from swordnet.storage import models


def test_listed_works_are_searched_for_during_their_window_only(
    container: Container, tmp_path: Path
) -> None:
    ids: dict[str, int] = {}
    for title, text in (("星河", "星河" * 200), ("长夜", "长夜" * 200), ("山海", "山海" * 200)):
        path = tmp_path / f"{title}.txt"
        path.write_text(text, encoding="utf-8")
        (outcome,) = register_files(container, [path], WorkSpec(title=title))
        assert outcome.work_id is not None
        ids[title] = outcome.work_id
    now = models.utcnow()
    with container.sessions() as session, session.begin():
        for title, start, end in (
            ("星河", now - timedelta(days=1), now + timedelta(days=30)),  # open now
            ("长夜", now - timedelta(days=60), now - timedelta(days=30)),  # over
        ):
            publish_list(
                session,
                title=f"list {title}",
                work_ids=[ids[title]],
                platform_ids=[],
                starts_at=start,
                ends_at=end,
                feed_dir=tmp_path / "feeds",
                actor="test",
                now=now,
            )
    with container.sessions() as session:
        assert not any(session.scalars(select(models.Work.key_work)))  # nothing marked for ever
        windows = ProtectionWindows.load(session)
        assert windows.protected_at(now) == {ids["星河"]}
        assert windows.covers(ids["长夜"], now - timedelta(days=45))  # its detections then count

    add_target(
        container.sessions,
        TargetSpec(name="search", query_template="http://127.0.0.1:9/s?q={query}"),
    )
    with container.sessions() as session:
        target = session.scalars(select(models.MonitoringTarget)).one()
        seeds = asyncio.run(_seed_urls(container, target))
    assert seeds == ["http://127.0.0.1:9/s?q=%E6%98%9F%E6%B2%B3"]  # 星河 only
