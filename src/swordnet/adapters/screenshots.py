"""Full-page screenshots through headless Chromium (Debian's ``chromium``, via Playwright).

A screenshot shows a person what the page looked like. The browser loads whatever the
page asks for, so it never connects anywhere itself: every request it makes is checked
against the crawler's address policy and fetched for it through a pinned connection (the
name is resolved, checked and connected to in one step), so neither a hostile page nor a
name server that changes its answer can make it reach the operator's network.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Route, sync_playwright

from swordnet.adapters.fetchers.addresses import AddressPolicy
from swordnet.adapters.fetchers.pinning import pinned_sync_transport
from swordnet.domain.errors import NotConfigured, UnsafeAddressError

log = logging.getLogger(__name__)

_MAX_RESOURCE_BYTES = 20 * 1024 * 1024
_NOT_FORWARDED = {"host", "connection", "content-length", "accept-encoding", "transfer-encoding"}
_NOT_RETURNED = {"content-encoding", "content-length", "transfer-encoding", "connection"}
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
        with (
            sync_playwright() as playwright,
            httpx.Client(
                transport=pinned_sync_transport(self.policy),
                timeout=self.timeout_ms / 1000,
                follow_redirects=False,  # the browser follows, each hop through the guard
                trust_env=False,
            ) as client,
        ):
            browser = playwright.chromium.launch(
                executable_path=self.executable, args=CHROMIUM_FLAGS
            )
            try:
                for url, path in urls:
                    results.append(self._one(browser, client, url, path))
            finally:
                browser.close()
        return results

    def _fulfil(self, client: httpx.Client, route: Route) -> None:
        """Fetch the browser's request through the pinned client and hand it the answer."""
        request = route.request
        if request.method not in {"GET", "HEAD"}:
            route.abort("blockedbyclient")  # a screenshot submits nothing
            return
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        with client.stream(request.method, request.url, headers=headers) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > _MAX_RESOURCE_BYTES:
                    break
            returned = {k: v for k, v in response.headers.items() if k.lower() not in _NOT_RETURNED}
            route.fulfill(status=response.status_code, headers=returned, body=bytes(body))

    def _one(self, browser: object, client: httpx.Client, url: str, path: Path) -> Screenshot | str:
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
                self._fulfil(client, route)
            except UnsafeAddressError as exc:
                blocked += 1
                log.info("screenshot of %s: blocked %s", url, exc)
                route.abort("blockedbyclient")
            except httpx.HTTPError as exc:
                log.info("screenshot of %s: %s failed: %s", url, route.request.url, exc)
                route.abort("failed")

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
