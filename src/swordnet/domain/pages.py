"""What a response is to the pipeline: a page to extract from, or media to fingerprint.

Said once here; the crawl, ``scan`` and the compliance re-check all read it.
"""

from __future__ import annotations

# responses that are pages: extractors read them; anything else is media for the signals
PAGE_TYPES = ("text/html", "application/xhtml+xml")
PAGE_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
# what extractors find that is matched to works by title and details, not by fingerprint
TITLED_KINDS = frozenset({"listing", "share_link", "torrent", "app"})


def is_page(media_type: str) -> bool:
    return media_type.split(";", 1)[0].strip().lower().startswith(PAGE_TYPES)
