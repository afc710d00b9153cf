"""Crawling the simulated pirate web: captures in WARC, detections, audit chain."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator

from swordnet.bootstrap import Container
from swordnet.demo.campaign import write_catalogue
from swordnet.services.audit import verify_chain
from swordnet.services.catalogue import register_files
from swordnet.services.crawling import CrawlPolicy, crawl
from swordnet.simweb.server import SimWeb
from swordnet.simweb.world import build_world
from swordnet.storage import models


def test_crawl_finds_planted_copies_and_keeps_evidence(
    container: Container, tmp_path: Path
) -> None:
    world = build_world()
    register_files(container, write_catalogue(world, tmp_path / "catalogue"))
    with SimWeb(world.sites) as web:
        base = web.base_urls["novels"]
        report = crawl(container, [base + "/"], CrawlPolicy(max_pages=50))
        again = crawl(container, [base + "/"], CrawlPolicy(max_pages=50))
    expected = {
        (base + e.path, world.entry(e.work).title) for e in world.expected if e.site == "novels"
    }
    with container.sessions() as session:
        rows = session.execute(select(models.Detection.url, models.Work.title).join(models.Work))
        found = {(url, title) for url, title in rows}
        assert found == expected
        # the second crawl saw the same copies again: sightings, not new detections
        assert report.new_detections == len(expected) and again.new_detections == 0
        sightings = session.scalars(select(models.Detection.sightings)).all()
        assert sightings == [2] * len(expected)
        captures = session.scalars(
            select(models.Capture).where(models.Capture.run_id == report.run_id)
        ).all()
        assert len(captures) == report.pages
        for capture in captures[:3]:
            assert capture.warc_file and capture.warc_offset is not None
            with open(capture.warc_file, "rb") as handle:
                handle.seek(capture.warc_offset)
                # "raise": a block or payload digest that does not match fails the test
                record = next(iter(ArchiveIterator(handle, check_digests="raise")))
                body = record.content_stream().read()
            assert record.rec_headers.get_header("WARC-Target-URI") == capture.final_url
            assert hashlib.sha256(body).hexdigest() == capture.sha256
        assert session.scalar(select(func.count()).select_from(models.DetectionSegment)) >= len(
            expected
        )
        assert verify_chain(session) == []


def test_crawl_stays_on_site_and_within_budget(container: Container) -> None:
    world = build_world()
    with SimWeb(world.sites) as web:
        report = crawl(container, [web.base_urls["novels"] + "/"], CrawlPolicy(max_pages=3))
    assert report.pages + report.failures == 3
    with container.sessions() as session:
        hosts = set(session.scalars(select(models.Capture.host)))
    assert hosts == {web.base_urls["novels"].removeprefix("http://")}
