"""One campaign walked through in a real headless Chromium by the people who run it.

A national officer registers a platform (a pirate book site served on loopback) and a
rights holder; the rights holder registers its work with a reference file and a licensee;
the national officer adds the site as a monitoring target and runs the crawl; the
Guangdong officer reviews and confirms the detections of the province (the Zhejiang
officer sees none of them); the officer sends one notice by e-mail (the loopback SMTP
server receives it) and one by webhook (the site's receiver gets it, signed); the
platform signs in, marks one item removed and counter-notices another; the site takes
one page down and the re-check records what it finds. Each step is screenshotted into
``$SWORDNET_SCREENSHOTS`` (default: the test's temporary directory)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from tests.web.browser import Shots, chromium, screenshot_dir, sign_in, submit
from tests.web.conftest import Campaign
from tests.web.enforcement_world import LoopbackSite, enforcement_settings, pirated_text

from swordnet.adapters.notifiers.smtp_sink import LoopbackSmtpSink
from swordnet.adapters.notifiers.webhook import SIGNATURE_HEADER
from swordnet.bootstrap import Container
from swordnet.domain.kinds import DetectionStatus, NoticeItemStatus
from swordnet.settings import Settings
from swordnet.storage import models

pytestmark = pytest.mark.slow

BOOK = pirated_text(seed=11, length=4000)
CHAPTERS = {f"/book/{n}": BOOK[(n - 1) * 1000 : (n - 1) * 1000 + 1600] for n in (1, 2, 3)}


@pytest.fixture
def sink() -> Iterator[LoopbackSmtpSink]:
    with LoopbackSmtpSink() as running:
        yield running


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    """The pirate book site: an index linking three chapters copied from the book."""
    with LoopbackSite() as running:
        links = "".join(f'<li><a href="{path}">第{path[-1]}章</a></li>' for path in CHAPTERS)
        running.serve("/", f"<html><head><title>盗版书城</title></head><body><ul>{links}</ul>")
        for path, text in CHAPTERS.items():
            running.serve(
                path,
                f"<html><head><title>月光下的剑客 {path}</title></head>"
                f"<body><h1>免费阅读</h1><p>{text}</p></body></html>",
            )
        yield running


@pytest.fixture
def settings(tmp_path: Path, sink: LoopbackSmtpSink) -> Settings:
    return enforcement_settings(tmp_path, sink.port)


def post_form(page: Page, action: str) -> None:
    """Submit the page's POST form to ``action`` and wait for where it leads."""
    submit(page, f"main form[method=post][action='{action}'] button[type=submit]")


def _fill(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.fill(f"main [name={name}]", value)


def _go(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible()


def test_a_campaign_in_the_browser(  # noqa: PLR0915 - one story, in order
    live_server: str,
    container: Container,
    campaign: Campaign,
    sink: LoopbackSmtpSink,
    site: LoopbackSite,
    tmp_path: Path,
) -> None:
    shots = Shots(screenshot_dir(tmp_path))
    people = campaign.people
    host = site.base.removeprefix("http://")
    book = tmp_path / "moonlight-swordsman.txt"
    book.write_text(BOOK, encoding="utf-8")

    with chromium() as browser:

        def person(name: str) -> Page:
            context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            who = people[name]
            who.totp_secret = sign_in(
                page, live_server, who.username, who.password, who.totp_secret
            )
            return page

        # 1. The national officer registers the platform and the rights holder.
        national = person("national")
        _go(national, f"{live_server}/platforms")
        _fill(
            national,
            {
                "name": "盗版书城 Pirate Reads",
                "domain": host,
                "region_code": "440300",
                "operator": "Shenzhen Pirate Network Co.",
                "icp_filing": "粤ICP备00000000号",
                "notice_email": "copyright@piratereads.example",
                "webhook_url": site.url("/webhook"),
                "webhook_secret": "a-webhook-secret-of-thirty-two-chars!",
            },
        )
        national.select_option("main select[name=category]", "literature")
        submit(national, "main form[method=post][action='/platforms'] button[type=submit]")
        expect(national.locator("main")).to_contain_text(host)
        shots.take(national, "national-registers-platform")
        _go(national, f"{live_server}/holders")
        _fill(
            national,
            {
                "name": "月光出版社 Moonlight Press",
                "contact_name": "Li Ming",
                "email": "rights@moonlight.example",
            },
        )
        submit(national, "main form[method=post][action='/holders'] button[type=submit]")
        expect(national.locator("main")).to_contain_text("Moonlight Press")
        shots.take(national, "national-registers-holder")

        # the administrator links the holder's and the platform's accounts to them
        with container.sessions() as session, session.begin():
            platform = session.scalars(
                select(models.Platform).where(models.Platform.domain == host)
            ).one()
            holder = session.scalars(
                select(models.RightsHolder).where(models.RightsHolder.email.like("rights@%"))
            ).one()
            session.get_one(models.User, people["holder"].user_id).holder_id = holder.id
            session.get_one(models.User, people["platform"].user_id).platform_id = platform.id
            platform_id, holder_id = platform.id, holder.id

        # 2. The rights holder registers the work, its reference file and a licensee.
        holder_page = person("holder")
        _go(holder_page, f"{live_server}/works")
        holder_page.fill("main [name=title]", "月光下的剑客")
        holder_page.select_option("main select[name=kind]", "book")
        submit(holder_page, "main form[method=post][action='/works'] button[type=submit]")
        expect(holder_page.locator("h1")).to_contain_text("月光下的剑客")
        work_id = int(re.search(r"/works/(\d+)", holder_page.url).group(1))  # type: ignore[union-attr]
        holder_page.set_input_files("main input[name=file]", str(book))
        holder_page.click("main form[enctype='multipart/form-data'] button[type=submit]")
        expect(holder_page.locator("#uploads")).to_contain_text("text", timeout=60_000)
        expect(holder_page.locator("#uploads .badge.authorised")).to_be_visible(timeout=60_000)
        _fill(holder_page, {"licensee": "Licensed Reader Ltd", "domains": "licensed.example"})
        post_form(holder_page, f"/works/{work_id}/licenses")
        expect(holder_page.locator("main")).to_contain_text("Licensed Reader Ltd")
        shots.take(holder_page, "holder-registers-work")

        # 3. The national officer adds the site as a target and runs the crawl.
        _go(national, f"{live_server}/targets")
        _fill(national, {"name": "Pirate Reads", "seeds": site.url("/"), "max_pages": "20"})
        submit(national, "main form[method=post][action='/targets'] button[type=submit]")
        expect(national.locator("h1")).to_contain_text("Pirate Reads")
        submit(national, "main form[action$='/run'] button[type=submit]")
        with container.sessions() as session:
            target_id = session.scalars(select(models.MonitoringTarget.id)).one()
        _wait_for(container, lambda s: _run_finished(s, target_id), national, 120)
        _go(national, national.url)
        shots.take(national, "national-ran-crawl")

        with container.sessions() as session:
            found = session.scalars(
                select(models.Detection).where(models.Detection.work_id == work_id)
            ).all()
            assert {d.url for d in found} == {site.url(p) for p in CHAPTERS}, [d.url for d in found]
            assert {d.region_code for d in found} == {"440300"}
            assert {d.platform_id for d in found} == {platform_id}

        # 4. The Guangdong officer reviews the province's detections; Zhejiang sees none.
        zhejiang = person("zhejiang")
        _go(zhejiang, f"{live_server}/review")
        expect(zhejiang.locator("main")).not_to_contain_text("月光下的剑客")
        zhejiang.goto(f"{live_server}/detections/{found[0].id}")
        expect(zhejiang.locator("h1")).to_contain_text("404")
        shots.take(zhejiang, "zhejiang-cannot-see-guangdong")

        guangdong = person("guangdong")
        _go(guangdong, f"{live_server}/review")
        rows = guangdong.locator("[data-queue] tr[data-row]")
        expect(rows).to_have_count(3)
        shots.take(guangdong, "guangdong-review-queue")
        guangdong.keyboard.press("c")  # confirm the first, by keyboard
        expect(guangdong.locator("tr.status-confirmed")).to_have_count(1)
        guangdong.keyboard.press("x")  # the cursor moved to the second: select it
        guangdong.keyboard.press("j")
        guangdong.keyboard.press("x")
        guangdong.keyboard.press("Shift+C")  # confirm the selection
        _wait_for(container, lambda s: _confirmed(s, work_id) == 3, guangdong, 30)
        _go(guangdong, f"{live_server}/detections/{found[0].id}")
        expect(guangdong.locator("main")).to_contain_text("月光下的剑客")
        shots.take(guangdong, "guangdong-detection-evidence")

        # 5. Notices: two by e-mail, then one by webhook.
        by_url = {d.url: d.id for d in found}
        with container.sessions() as session, session.begin():  # hold one back for the webhook
            held = session.get_one(models.Detection, by_url[site.url("/book/3")])
            held.status = DetectionStatus.NEW
        _go(guangdong, f"{live_server}/notices")
        guangdong.select_option("main select[name=channel]", "smtp")
        submit(guangdong, "main form[method=post][action='/notices/draft'] button[type=submit]")
        expect(guangdong.locator("h1")).to_be_visible()
        mail_notice = _newest_notice(container)
        _go(guangdong, f"{live_server}/notices/{mail_notice}")
        shots.take(guangdong, "guangdong-notice-preview")
        post_form(guangdong, f"/notices/{mail_notice}/send")
        _wait_until(lambda: sink.messages, guangdong, 30)
        message = sink.messages[-1]
        assert "copyright@piratereads.example" in sink.envelopes[-1][1], sink.envelopes[-1]
        body = message.get_body(preferencelist=("plain",))
        assert body is not None and site.url("/book/1") in body.get_content()

        with container.sessions() as session, session.begin():
            session.get_one(
                models.Detection, by_url[site.url("/book/3")]
            ).status = DetectionStatus.CONFIRMED
        _go(guangdong, f"{live_server}/notices")
        guangdong.select_option("main select[name=channel]", "webhook")
        submit(guangdong, "main form[method=post][action='/notices/draft'] button[type=submit]")
        hook_notice = _newest_notice(container)
        assert hook_notice != mail_notice
        _go(guangdong, f"{live_server}/notices/{hook_notice}")
        post_form(guangdong, f"/notices/{hook_notice}/send")
        _wait_until(lambda: site.received, guangdong, 30)
        assert site.received[-1].headers.get(SIGNATURE_HEADER)
        assert site.url("/book/3") in site.received[-1].body.decode()
        shots.take(guangdong, "guangdong-notices-sent")

        # 6. The platform answers: one item removed, one counter-noticed.
        platform_page = person("platform")
        _go(platform_page, f"{live_server}/portal/platform")
        expect(platform_page.locator("main")).to_contain_text(site.url("/book/1"))
        shots.take(platform_page, "platform-portal")
        items = _items(container, mail_notice)
        removed_item, countered_item = items[site.url("/book/1")], items[site.url("/book/2")]
        submit(
            platform_page,
            f"form[action$='/items/{removed_item}/answer'] button.ok",
        )
        platform_page.locator(f"tr[data-item='{countered_item}'] details summary").click()
        countered = platform_page.locator(f"form.stack[action$='/items/{countered_item}/answer']")
        countered.locator("[name=claimant]").fill("Pirate Reads uploader")
        countered.locator("[name=contact]").fill("uploader@piratereads.example")
        countered.locator("[name=statement]").fill("本章为作者授权转载，附授权书。")
        with platform_page.expect_navigation():
            countered.locator("button[type=submit]").click()
        expect(platform_page.locator("main")).to_contain_text("Your answer was recorded")
        shots.take(platform_page, "platform-answered")

        # 7. The site takes chapter 1 down; the re-check records compliance.
        site.pages.pop("/book/1")
        _go(guangdong, f"{live_server}/notices/{mail_notice}")
        post_form(guangdong, f"/notices/{mail_notice}/recheck")
        _wait_for(container, lambda s: _checked(s, removed_item), guangdong, 60)
        _go(guangdong, f"{live_server}/notices/{mail_notice}")
        shots.take(guangdong, "guangdong-recheck-verdicts")
        with container.sessions() as session:
            assert session.get_one(models.NoticeItem, removed_item).status is (
                NoticeItemStatus.REMOVED
            )
            assert session.get_one(models.NoticeItem, countered_item).status is (
                NoticeItemStatus.COUNTER_NOTICED
            )
        assert holder_id
    assert len(shots.taken) == 12
    assert all(path.stat().st_size > 10_000 for path in shots.taken)


def _run_finished(session: object, target_id: int) -> bool:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    run = session.scalars(
        select(models.CrawlRun)
        .where(models.CrawlRun.target_id == target_id)
        .order_by(models.CrawlRun.id.desc())
    ).first()
    return run is not None and run.status != "running"


def _confirmed(session: object, work_id: int) -> int:
    from sqlalchemy import func
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    return int(
        session.scalar(
            select(func.count())
            .select_from(models.Detection)
            .where(
                models.Detection.work_id == work_id,
                models.Detection.status == DetectionStatus.CONFIRMED,
            )
        )
        or 0
    )


def _checked(session: object, item_id: int) -> bool:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    item = session.get_one(models.NoticeItem, item_id)
    return item.checked_at is not None


def _newest_notice(container: Container) -> int:
    with container.sessions() as session:
        newest = session.scalar(select(models.Notice.id).order_by(models.Notice.id.desc()))
    assert newest is not None
    return int(newest)


def _items(container: Container, notice_id: int) -> dict[str, int]:
    with container.sessions() as session:
        return {
            item.url: item.id
            for item in session.scalars(
                select(models.NoticeItem).where(models.NoticeItem.notice_id == notice_id)
            )
        }


def _wait_for(container: Container, done: object, page: Page, seconds: float) -> None:
    def check() -> bool:
        with container.sessions() as session:
            return bool(done(session))  # type: ignore[operator]

    _wait_until(check, page, seconds)


def _wait_until(condition: object, page: Page, seconds: float) -> None:
    waited = 0.0
    while not condition():  # type: ignore[operator]
        if waited > seconds:
            raise AssertionError(f"gave up after {seconds} s waiting on {page.url}")
        page.wait_for_timeout(250)
        waited += 0.25
