"""The enforcement commands, run through the command-line app on a crawled database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from swordnet.bootstrap import Container, bootstrap
from swordnet.cli.app import app
from swordnet.demo.campaign import write_catalogue
from swordnet.services.catalogue import register_files
from swordnet.services.crawling import CrawlPolicy, crawl
from swordnet.services.platforms import get_or_create_platform, site_key
from swordnet.settings import Settings
from swordnet.simweb.server import SimWeb
from swordnet.simweb.world import build_world
from swordnet.storage import models


@pytest.fixture
def home(container: Container, settings: Settings, tmp_path: Path) -> Iterator[Path]:
    world = build_world()
    world.sites = [site for site in world.sites if site.key == "reprints"]
    register_files(container, write_catalogue(world, tmp_path / "catalogue"))
    with SimWeb(world.sites) as web:
        with container.sessions() as session, session.begin():
            get_or_create_platform(session, site_key(web.base_urls["reprints"]), name="Reprints")
        crawl(container, [web.base_urls["reprints"] + "/"], CrawlPolicy(max_pages=20))
    container.close()
    yield settings.home


def cli(home: Path, *args: str) -> str:
    result = CliRunner().invoke(
        app,
        ["--home", str(home), *args],
        env={"SWORDNET_ENFORCEMENT__CHANNEL": "lumen", "COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_review_notice_and_follow_up_from_the_command_line(home: Path) -> None:
    queue = cli(home, "review", "list")
    assert queue.count("/news/10") == 3
    cli(home, "whitelist", "add", "wire.example.com", "--name", "Wire", "--scope", "news_article")
    assert "wire.example.com" in cli(home, "whitelist", "list")
    cli(home, "licenses", "add", "--work", "8", "--licensee", "Partner", "--domain", "p.example")
    assert "Partner" in cli(home, "licenses", "list")
    assert "authorised 0" in cli(home, "review", "authorise", "--check", "--as", "officer")
    dismissed = cli(home, "review", "dismiss", "1", "--reason", "quotation", "--as", "wang")
    assert "1 detection(s) changed" in dismissed
    confirmed = cli(home, "review", "confirm", "--min-score", "0.5", "--as", "wang")
    assert "2 detection(s) changed" in confirmed
    assert "1 notice(s) rendered" in cli(home, "notices", "draft", "--language", "en")
    assert "sent 1" in cli(home, "notices", "send", "--as", "officer")
    shown = cli(home, "notices", "show", "1")
    assert "Article 14" in shown and "/news/10" in shown
    assert "<table>" in cli(home, "notices", "show", "1", "--html")
    cli(home, "notices", "show", "1", "--pdf", str(home / "n.pdf"))
    assert (home / "n.pdf").read_bytes().startswith(b"%PDF")
    exported = list((home / "exports" / "notices").glob("*.lumen.json"))
    document = json.loads(exported[0].read_text(encoding="utf-8"))
    assert len(document["notice"]["works_attributes"]) == 2
    cli(home, "counter-notice", "add", "1", "--claimant", "Editor", "--statement", "licensed")
    contested = cli(home, "counter-notice", "contest", "1", "--reason", "suit filed", "--as", "lee")
    assert "counter-notice 1 contested: item 1 will not be restored" in contested
    unknown = CliRunner().invoke(
        app, ["--home", str(home), "counter-notice", "contest", "99", "--reason", "suit filed"]
    )
    assert unknown.exit_code == 2 and "no counter-notice with id 99" in unknown.output
    # the simulated site is down by now: nothing can be verified, nothing counts as deleted;
    # the contested counter-notice's deadline has long passed, yet its item stays down
    checked = cli(home, "compliance", "check", "--at", "2100-01-01T00:00:00")
    assert "1 item(s): 0 removed" in checked and "1 unverified" in checked
    assert "0 restored after counter-notice" in checked
    published = cli(
        home,
        "prewarning",
        "publish",
        "--title",
        "Key news",
        "--work",
        "9",
        "--platform",
        "1",
        "--starts",
        "2020-01-01",
        "--ends",
        "2100-01-01",
    )
    assert "sent to 1 platform(s)" in published
    cli(home, "prewarning", "ack", "1", "1", "--by", "Reprints legal")
    assert "Key news" in cli(home, "prewarning", "list")
    assert "0 case(s) opened" in cli(home, "cases", "escalate")
    cli(home, "cases", "list")
    container = bootstrap(Settings(home=home, workers=1))
    with container.sessions() as session:
        actors = {(e.action, e.actor) for e in session.scalars(select(models.AuditEvent))}
    container.close()
    # nothing verifies a CLI name yet: the trail says so
    assert ("detection.dismissed", "unauthenticated CLI user wang") in actors
    assert ("notice.sent", "unauthenticated CLI user officer") in actors
    assert ("counter_notice.contested", "unauthenticated CLI user lee") in actors
