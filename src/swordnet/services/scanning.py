"""Scanning files, folders and URLs against the catalogue, through the detection pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from swordnet.domain.errors import SwordNetError
from swordnet.domain.matching import Match
from swordnet.services.context import AppContext
from swordnet.services.detection_pipeline import examine_files, examine_urls
from swordnet.services.fingerprinting import unexpected_error
from swordnet.services.inputs import BatchItem, accepted, folder_files, named_files


@dataclass(frozen=True, slots=True)
class ScanResult:
    query: str
    matches: list[Match] = field(default_factory=list)
    error: str | None = None


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def scan_targets(container: AppContext, targets: list[str]) -> Iterator[ScanResult]:
    """One result per scanned item, in order; bad items carry an error, the scan goes on."""
    for target in targets:
        if _is_url(target):
            try:
                yield from scan_url(container, target)
            except Exception as exc:  # one URL's unforeseen fault must not end the scan
                yield ScanResult(target, error=unexpected_error(target, exc))
            continue
        path = Path(target)
        if path.is_dir():
            yield from scan_items(container, folder_files(path))
        elif path.exists() or path.is_symlink():
            yield from scan_items(container, named_files([path]))
        else:
            yield ScanResult(target, error=f"{target}: no such file, folder or URL")


def scan_items(container: AppContext, items: list[BatchItem]) -> Iterator[ScanResult]:
    """Refused items first, each with its reason, then the results of the others."""
    for item in items:
        if item.refusal is not None:
            yield ScanResult(str(item.path), error=f"{item.path}: {item.refusal}")
    yield from scan_files(container, list(accepted(items)))


def scan_files(container: AppContext, paths: list[Path]) -> Iterator[ScanResult]:
    """Files through the detection pipeline: pages and media alike (one definition of
    what a page is, in ``domain.pages``)."""
    for examined in examine_files(container, paths):
        yield ScanResult(examined.query, examined.matches, examined.error)


def scan_url(container: AppContext, url: str) -> Iterator[ScanResult]:
    """A URL as the crawl sees it (HLS assembled, listings and share links matched by
    title), then the media the page shows that match something."""
    try:
        examined = examine_urls(container, [url])[url]
    except SwordNetError as exc:
        yield ScanResult(url, error=str(exc))
        return
    first, followed = examined[0], examined[1:]
    yield ScanResult(first.query, first.matches, first.error)
    for media in followed:
        if media.matches:  # a broken picture on a pirate page is not the user's error
            yield ScanResult(media.query, media.matches)
