"""``swordnet platforms|holders|agencies|regions`` end to end through the command line."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from swordnet.bootstrap import Container
from swordnet.cli.app import app
from swordnet.settings import Settings
from swordnet.storage import models


def cli(home: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args], env={"COLUMNS": "250"})
    assert result.exit_code == code, result.output
    return result.output


def test_parties_from_the_command_line(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    container.close()  # the database exists; the commands open their own
    home = settings.home
    regions = tmp_path / "regions.csv"
    regions.write_text(
        "code,parent_code,name,name_en\n440300,440000,深圳市,Shenzhen\n", encoding="utf-8"
    )
    assert "1 added" in cli(home, "regions", "import", str(regions), "--as", "wang")
    assert "0 added, 0 changed, 1 unchanged" in cli(home, "regions", "import", str(regions))
    assert "Shenzhen" in cli(home, "regions", "list", "--under", "440000")
    bad = tmp_path / "bad.csv"
    bad.write_text("code,parent_code,name\nX1,NOPE,x\n", encoding="utf-8")
    assert "NOPE" in cli(home, "regions", "import", str(bad), code=2)

    added = cli(
        home,
        "platforms",
        "add",
        "shop.example",
        "--name",
        "Shop",
        "--category",
        "ecommerce",
        "--region",
        "440300",
        "--notice-email",
        "legal@shop.example",
        "--also-email",
        "ip@shop.example",
        "--webhook-url",
        "https://shop.example/hook",
        "--generate-webhook-secret",
        "--key-supervision",
        "--as",
        "wang",
    )
    assert "platform 1 registered" in added
    shown = cli(home, "platforms", "show", "shop.example")
    assert "ecommerce" in shown and "ip@shop.example" in shown and "webhook secret: set" in shown
    assert "must be an http:// or https:// URL" in cli(
        home, "platforms", "edit", "1", "--webhook-url", "ftp://x.example/", code=2
    )
    cli(home, "platforms", "edit", "1", "--operator", "Shop Ltd", "--icp", "粤ICP备1号")
    cli(home, "platforms", "add-site", "1", "m.shop.example")
    cli(home, "holders", "add", "Star Pictures", "--contact", "Li Lei", "--email", "a@star.example")
    cli(
        home,
        "holders",
        "add-agent",
        "Star Pictures",
        "--name",
        "Wang Fang",
        "--mandate",
        "notices",
        "--valid-until",
        "2030-12-31",
    )
    assert "Wang Fang" in cli(home, "holders", "show", "1")
    cli(home, "platforms", "add-account", "1", "star_official", "--holder", "Star Pictures")
    listed = cli(home, "platforms", "list", "--region", "440000")
    assert "shop.example" in listed and "legal@shop.example" in listed
    assert "shop.example" not in cli(home, "platforms", "list", "--region", "330000")
    cli(home, "agencies", "add", "GD Telecom", "--kind", "telecom", "--region", "440000")
    assert "GD Telecom" in cli(home, "agencies", "list", "--kind", "telecom")
    assert "not one of" in cli(home, "holders", "add", "X", "--kind", "person", code=2)
    shown = cli(home, "platforms", "show", "1")
    assert "Shop Ltd" in shown and "m.shop.example" in shown and "star_official" in shown

    from swordnet.bootstrap import bootstrap

    reopened = bootstrap(settings)
    try:
        with reopened.sessions() as session:
            actors = set(
                session.scalars(
                    select(models.AuditEvent.actor).where(
                        models.AuditEvent.action.in_(["platform.registered", "regions.imported"])
                    )
                )
            )
            assert actors == {"unauthenticated CLI user wang"}
    finally:
        reopened.close()


def test_crawled_detections_and_targets_take_their_platform_region(
    container: Container, tmp_path: Path
) -> None:
    from swordnet.demo.campaign import write_catalogue
    from swordnet.services import parties
    from swordnet.services.catalogue import register_files
    from swordnet.services.crawling import CrawlPolicy, crawl
    from swordnet.services.monitoring import TargetSpec, add_target
    from swordnet.services.platforms import site_key
    from swordnet.simweb.server import SimWeb
    from swordnet.simweb.world import build_world

    world = build_world()
    world.sites = [site for site in world.sites if site.key == "reprints"]
    register_files(container, write_catalogue(world, tmp_path / "catalogue"))
    with SimWeb(world.sites) as web:
        base = web.base_urls["reprints"]
        with container.sessions() as session, session.begin():
            platform = parties.register_platform(
                session,
                {"name": "Reprints", "domain": site_key(base), "region_code": "440000"},
                actor="t",
            )
            platform_id = platform.id
        target_id = add_target(container.sessions, TargetSpec(name="reprints", seeds=[base + "/"]))
        crawl(container, [base + "/"], CrawlPolicy(max_pages=20))
    with container.sessions() as session:
        target = session.get_one(models.MonitoringTarget, target_id)
        assert target.region_code == "440000"  # a target takes its platform's region
        regions = set(
            session.scalars(
                select(models.Detection.region_code).where(
                    models.Detection.platform_id == platform_id
                )
            )
        )
        assert regions == {"440000"}
