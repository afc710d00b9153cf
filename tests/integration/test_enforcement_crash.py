"""A crash between "notice rendered" and "notice sent", then a restart: each notice reaches
the SMTP server exactly once. The enforcement cycle runs in a subprocess that is killed
(SIGKILL) at a chosen point; the SMTP server runs in this test process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.bootstrap import Container
from swordnet.demo.campaign import write_catalogue
from swordnet.domain.kinds import NoticeStatus
from swordnet.services.catalogue import register_files
from swordnet.services.crawling import CrawlPolicy, crawl
from swordnet.services.enforcement.delivery import CRASH_ENV
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.settings import Settings
from swordnet.simweb.server import SimWeb
from swordnet.simweb.world import build_world
from swordnet.storage import models

CYCLE = """
import sys
from swordnet.bootstrap import bootstrap
from swordnet.settings import Settings
from swordnet.services.enforcement.cycle import run_enforcement_cycle

container = bootstrap(Settings(home=sys.argv[1], workers=1))
notifier = container.notifier("smtp", smtp_host="127.0.0.1", smtp_port=int(sys.argv[2]))
summary = run_enforcement_cycle(
    container.sessions, container.settings.enforcement, notifier, actor="crash-test"
)
print(summary.notices_sent, summary.notices_in_doubt)
container.close()
"""


def run_cycle(home: Path, port: int, crash_at: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWORDNET_")}
    if crash_at is not None:
        env[CRASH_ENV] = crash_at
    return subprocess.run(
        [sys.executable, "-c", CYCLE, str(home), str(port)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )


@pytest.fixture
def detected(container: Container, settings: Settings, tmp_path: Path) -> Iterator[Path]:
    """Two sites crawled: confirmed-to-be detections for two notices. Yields the home."""
    world = build_world()
    world.sites = [site for site in world.sites if site.key in ("novels", "reprints")]
    register_files(container, write_catalogue(world, tmp_path / "catalogue"))
    with SimWeb(world.sites) as web:
        for site in world.sites:
            with container.sessions() as session, session.begin():
                get_or_create_platform(session, site_key(web.base_urls[site.key]), name=site.name)
            crawl(container, [web.base_urls[site.key] + "/"], CrawlPolicy(max_pages=30))
    container.close()  # the subprocess owns the database from here on
    yield settings.home


def notice_states(home: Path) -> dict[str, str]:
    from swordnet.bootstrap import bootstrap

    container = bootstrap(Settings(home=home, workers=1))
    try:
        with container.sessions() as session:
            return {n.key: n.status.value for n in session.scalars(select(models.Notice))}
    finally:
        container.close()


def message_ids(home: Path) -> set[str]:
    from swordnet.bootstrap import bootstrap

    container = bootstrap(Settings(home=home, workers=1))
    try:
        with container.sessions() as session:
            return set(session.scalars(select(models.Notice.message_id)))
    finally:
        container.close()


def test_killed_after_rendering_then_restarted_sends_each_notice_once(detected: Path) -> None:
    with LoopbackSmtpSink() as sink:
        crashed = run_cycle(detected, sink.port, crash_at="after_render")
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr
        states = notice_states(detected)
        assert len(states) == 2 and set(states.values()) == {NoticeStatus.RENDERED.value}
        assert sink.messages == []  # killed before anything was sent

        restarted = run_cycle(detected, sink.port, crash_at=None)
        assert restarted.returncode == 0, restarted.stderr
        assert restarted.stdout.split() == ["2", "0"]
        again = run_cycle(detected, sink.port, crash_at=None)  # a further run sends nothing
        assert again.returncode == 0, again.stderr
        received = sink.message_ids()
    assert sorted(received.values()) == [1, 1]
    assert {f"<{message_id}@swordnet.localhost>" for message_id in message_ids(detected)} == set(
        received
    )
    assert set(notice_states(detected).values()) == {NoticeStatus.SENT.value}


def test_killed_after_the_server_accepted_never_sends_twice(detected: Path) -> None:
    """The narrow window SMTP cannot close: the server has the first message but the database
    does not know. The restart holds that notice as in doubt instead of sending it again."""
    with LoopbackSmtpSink() as sink:
        crashed = run_cycle(detected, sink.port, crash_at="after_transport")
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr
        assert len(sink.messages) == 1
        restarted = run_cycle(detected, sink.port, crash_at=None)
        assert restarted.returncode == 0, restarted.stderr
        assert restarted.stdout.split() == ["1", "1"]  # one sent, one held in doubt
        received = sink.message_ids()
    assert sorted(received.values()) == [1, 1]
    states = notice_states(detected)
    assert sorted(states.values()) == [NoticeStatus.RENDERED.value, NoticeStatus.SENT.value]
