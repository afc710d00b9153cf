"""URL hygiene and crawler-trap rules, decided before a URL enters the frontier."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from swordnet.domain.urls import canonical_url, site_key, url_sha256

__all__ = ["LinkFilter", "TrapGuard", "canonical_url", "site_key", "url_sha256"]


@dataclass
class TrapGuard:
    """Rejects URLs that look like crawler traps.

    Endless calendars, session ids and recursive paths produce unlimited distinct URLs
    for the same few pages: a path segment repeated too often, too many query variants of
    one path, or a very long URL mark a trap.
    """

    max_url_length: int = 2048
    max_segment_repeats: int = 3
    max_query_variants: int = 64
    _variants: Counter[str] = field(default_factory=Counter)

    def reason_to_skip(self, url: str) -> str | None:
        if len(url) > self.max_url_length:
            return f"URL longer than {self.max_url_length} characters"
        parts = urlsplit(url)
        segments = [segment for segment in parts.path.split("/") if segment]
        if segments and Counter(segments).most_common(1)[0][1] > self.max_segment_repeats:
            return "path segment repeated: recursive links"
        if parts.query:
            key = f"{site_key(url)}{parts.path}"
            self._variants[key] += 1
            if self._variants[key] > self.max_query_variants:
                return f"more than {self.max_query_variants} query variants of {parts.path}"
        return None


Links = tuple[list[tuple[str, int]], list[tuple[str, str]]]  # (url, depth), (url, reason)


@dataclass
class LinkFilter:
    """Decides which of a page's (canonical) links enter the frontier, and why not.

    ``known`` remembers URLs already committed to this run's frontier, so that the links
    every page repeats (home, menus, the next chapter) are not sent to the database again
    and again; the database still refuses duplicates, so forgetting is always safe.
    """

    scope: set[str]
    max_depth: int
    media_off_site: bool = True  # pirate pages keep their images and videos on CDNs
    traps: TrapGuard = field(default_factory=TrapGuard)
    max_known: int = 500_000
    _known: set[str] = field(default_factory=set)

    def split(self, links: list[tuple[str, str | None]], depth: int) -> Links:
        """(URLs to queue at ``depth``, URLs skipped with the reason)."""
        follow: list[tuple[str, int]] = []
        skipped: list[tuple[str, str]] = []
        if depth > self.max_depth:
            return follow, skipped
        known = self._known
        for url, media_kind in links:
            if url in known:
                continue
            try:
                in_scope = site_key(url) in self.scope or (
                    media_kind is not None and self.media_off_site
                )
                reason = self.traps.reason_to_skip(url) if in_scope else None
            except ValueError as exc:  # one malformed link is skipped, never its page
                skipped.append((url, f"malformed URL: {exc}"))
                continue
            if not in_scope:
                continue
            if reason:
                skipped.append((url, reason))
            else:
                follow.append((url, depth))
        return follow, skipped

    def remember(self, urls: list[str]) -> None:
        """URLs now committed to the frontier."""
        if len(self._known) + len(urls) > self.max_known:
            self._known.clear()
        self._known.update(urls)
