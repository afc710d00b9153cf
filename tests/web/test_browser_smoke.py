"""The pages work in a real browser: sign-in with the second factor, the dashboard, the
language switch, with the Content-Security-Policy in force and no script error."""

from __future__ import annotations

from pathlib import Path

from tests.web.browser import Shots, chromium, screenshot_dir, sign_in
from tests.web.conftest import Campaign


def test_sign_in_and_dashboard_in_chromium(
    live_server: str, campaign: Campaign, tmp_path: Path
) -> None:
    shots = Shots(screenshot_dir(tmp_path))
    officer = campaign.people["guangdong"]
    with chromium() as browser:
        page = browser.new_page(locale="en-US")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: errors.append(msg.text) if msg.type == "error" else None,
        )
        page.goto(f"{live_server}/")
        assert "/login" in page.url
        shots.take(page, "sign-in")
        sign_in(page, live_server, officer.username, officer.password, None)
        assert page.locator("h1").inner_text() == "Dashboard"
        shots.take(page, "dashboard-en")
        with page.expect_navigation():
            page.click("a.lang")
        assert page.locator("h1").inner_text() == "仪表盘"
        shots.take(page, "dashboard-zh")
        assert page.evaluate("typeof htmx") == "object", "htmx did not load"
        assert not errors, errors
    assert all(path.stat().st_size > 5000 for path in shots.taken)
