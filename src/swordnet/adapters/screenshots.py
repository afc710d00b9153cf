"""Full-page screenshots through headless Chromium (Debian's ``chromium``, via Playwright).

A screenshot shows a person what the page looked like. The browser loads whatever the
page asks for, so every request it makes is checked against the crawler's address policy
first: a hostile page cannot make it reach the operator's network.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Route, sync_playwright

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.domain.errors import NotConfigured, UnsafeAddressError

log = logging.getLogger(__name__)

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise NotConfigured("no Chromium found: install Debian's chromium (make setup does)")


@dataclass(frozen=True, slots=True)
class Screenshot:
    url: str
    path: Path
    blocked_requests: int


class Screenshotter:
    """Takes screenshots one browser session at a time; reuse it for a batch of pages."""

    def __init__(
        self, policy: AddressPolicy, *, timeout_s: float = 20.0, width: int = 1280
    ) -> None:
        self.policy = policy
        self.timeout_ms = int(timeout_s * 1000)
        self.width = width
        self.executable = find_chromium()

    def capture(self, urls: list[tuple[str, Path]]) -> list[Screenshot | str]:
        """Screenshot each (url, file); a failure is returned as its message, the batch goes on."""
        results: list[Screenshot | str] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=self.executable, args=CHROMIUM_FLAGS
            )
            try:
                for url, path in urls:
                    results.append(self._one(browser, url, path))
            finally:
                browser.close()
        return results

    def _one(self, browser: object, url: str, path: Path) -> Screenshot | str:
        from playwright.sync_api import Browser

        assert isinstance(browser, Browser)
        blocked = 0

        def guard(route: Route) -> None:
            nonlocal blocked
            try:
                if route.request.url.startswith(("data:", "blob:")):
                    route.continue_()
                    return
                self.policy.check_url(route.request.url)
            except UnsafeAddressError as exc:
                blocked += 1
                log.info("screenshot of %s: blocked %s", url, exc)
                route.abort("blockedbyclient")
                return
            route.continue_()

        context = browser.new_context(
            viewport={"width": self.width, "height": 900}, java_script_enabled=True
        )
        try:
            page = context.new_page()
            page.route("**/*", guard)
            page.goto(url, timeout=self.timeout_ms, wait_until="load")
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True, timeout=self.timeout_ms)
            return Screenshot(url, path, blocked)
        except PlaywrightError as exc:
            return f"{url}: screenshot failed: {str(exc).splitlines()[0]}"
        finally:
            context.close()
