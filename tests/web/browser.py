"""A real headless Chromium (Debian's, driven by Playwright) for the web tests, and where
their screenshots go (``$SWORDNET_SCREENSHOTS`` or ``<tmp>/screenshots``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from swordnet.adapters.screenshots import CHROMIUM_FLAGS, find_chromium
from swordnet.services import totp


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_dir(fallback: Path) -> Path:
    directory = Path(os.environ.get("SWORDNET_SCREENSHOTS") or fallback / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class Shots:
    """Numbered full-page screenshots of a walk through the app."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0
        self.taken: list[Path] = []

    def take(self, page: Page, name: str) -> Path:
        self.count += 1
        path = self.directory / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


def submit(page: Page, selector: str = "main button[type=submit]") -> None:
    """Click a form's submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def sign_in(page: Page, base: str, username: str, password: str, secret: str | None) -> str | None:
    """Sign in through the form; pass the second factor if asked. Returns the TOTP secret
    (shown at enrolment, or the one given)."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    submit(page)
    if "/auth/totp" in page.url:
        shown = page.locator("#totp-secret")
        if shown.count():
            secret = shown.inner_text().strip()
        assert secret, "the second factor is asked but no secret is known"
        page.fill("input[name=code]", totp.current_code(secret, datetime.now(UTC)))
        submit(page)
        if "/auth/totp" in page.url:  # the code of this step was used already: next step
            wait = 31 - datetime.now(UTC).timestamp() % 30
            page.wait_for_timeout(int(wait * 1000))
            page.fill("input[name=code]", totp.current_code(secret, datetime.now(UTC)))
            submit(page)
    assert not re.search(r"/(login|auth/totp)", page.url), f"still at {page.url}"
    return secret
