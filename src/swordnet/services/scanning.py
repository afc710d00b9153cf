"""Scanning files, folders and URLs against the catalogue."""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from swordnet.bootstrap import Container
from swordnet.domain.errors import MediaError, SwordNetError, UnsupportedMediaError
from swordnet.domain.matching import Match
from swordnet.plugins.extractors import Page
from swordnet.plugins.signals import Fingerprint, MediaInput
from swordnet.services.fingerprinting import (
    FingerprintJob,
    fingerprint_file,
    fingerprint_media,
    unexpected_error,
)
from swordnet.services.inputs import BatchItem, accepted, folder_files, named_files
from swordnet.services.matching import find_matches

_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_PAGE_SUFFIXES = {".html", ".htm", ".xhtml"}


@dataclass(frozen=True, slots=True)
class ScanResult:
    query: str
    matches: list[Match] = field(default_factory=list)
    error: str | None = None


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def scan_targets(container: Container, targets: list[str]) -> Iterator[ScanResult]:
    """One result per scanned item, in order; bad items carry an error, the scan goes on."""
    for target in targets:
        if _is_url(target):
            try:
                result = scan_url(container, target)
            except Exception as exc:  # one URL's unforeseen fault must not end the scan
                result = ScanResult(target, error=unexpected_error(target, exc))
            yield result
            continue
        path = Path(target)
        if path.is_dir():
            yield from scan_items(container, folder_files(path))
        elif path.exists() or path.is_symlink():
            yield from scan_items(container, named_files([path]))
        else:
            yield ScanResult(target, error=f"{target}: no such file, folder or URL")


def scan_items(container: Container, items: list[BatchItem]) -> Iterator[ScanResult]:
    """Refused items first, each with its reason, then the results of the others."""
    for item in items:
        if item.refusal is not None:
            yield ScanResult(str(item.path), error=f"{item.path}: {item.refusal}")
    yield from scan_files(container, list(accepted(items)))


def scan_files(container: Container, paths: list[Path]) -> Iterator[ScanResult]:
    settings_json = container.settings.for_workers()
    pages = [path for path in paths if path.suffix.lower() in _PAGE_SUFFIXES]
    media = [path for path in paths if path.suffix.lower() not in _PAGE_SUFFIXES]
    jobs = [FingerprintJob(str(path), "query", settings_json) for path in media]
    results = (
        container.executor.map(fingerprint_file, jobs)
        if len(jobs) > 2
        else map(fingerprint_file, jobs)
    )
    with container.sessions() as session:
        for result in results:
            if result.error is not None:
                yield ScanResult(result.path, error=result.error)
            else:
                yield ScanResult(
                    result.path, find_matches(container, session, result.path, result.fingerprints)
                )
        for path in pages:
            try:
                page = Page(str(path), "text/html", path.read_bytes())
            except OSError as exc:
                yield ScanResult(str(path), error=f"{path}: cannot read: {exc.strerror or exc}")
                continue
            try:
                matches = match_page(container, session, page)
            except Exception as exc:  # one page's unforeseen fault must not end the scan
                yield ScanResult(str(path), error=unexpected_error(str(path), exc))
                continue
            yield ScanResult(str(path), matches)


def page_fingerprints(container: Container, page: Page) -> list[Fingerprint]:
    """Fingerprints of what a page offers inline (its main text)."""
    fingerprints: list[Fingerprint] = []
    for extractor in container.extractors:
        if not extractor.accepts(page):
            continue
        for item in extractor.extract(page):
            if item.kind == "text" and item.text:
                media = MediaInput(
                    name=page.url, data=item.text.encode("utf-8"), media_type="text/plain"
                )
                try:
                    fingerprints.extend(fingerprint_media(container.signals, media, "query")[1])
                except MediaError:
                    continue  # an unreadable item does not hide the rest of the page
    return fingerprints


def match_page(container: Container, session: Session, page: Page) -> list[Match]:
    return find_matches(container, session, page.url, page_fingerprints(container, page))


def scan_url(container: Container, url: str) -> ScanResult:
    async def fetch() -> ScanResult:
        fetcher = container.fetcher()
        try:
            response = await fetcher.fetch(url)
        finally:
            await fetcher.aclose()
        if response.error is not None:
            return ScanResult(url, error=f"{url}: {response.error}")
        if not response.ok:
            return ScanResult(url, error=f"{url}: HTTP {response.status}")
        with container.sessions() as session:
            if response.media_type.startswith(_PAGE_TYPES):
                page = Page(response.final_url, response.media_type, response.body)
                return ScanResult(url, match_page(container, session, page))
            media = MediaInput(
                name=url,
                data=response.body,
                media_type=response.media_type or mimetypes.guess_type(url)[0],
            )
            try:
                _, fingerprints = fingerprint_media(container.signals, media, "query")
            except (MediaError, UnsupportedMediaError) as exc:
                return ScanResult(url, error=str(exc))
            return ScanResult(url, find_matches(container, session, url, fingerprints))

    try:
        return asyncio.run(fetch())
    except SwordNetError as exc:
        return ScanResult(url, error=str(exc))
