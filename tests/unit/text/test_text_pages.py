"""Pirate pages: the copy inside is found, menus and ads are not part of the evidence."""

from __future__ import annotations

import random

import pytest

from swordnet.domain.errors import CorruptMediaError
from swordnet.modalities.text import TextSignal, transforms
from swordnet.modalities.text.pages import main_text
from swordnet.modalities.text.payload import decode_payload
from swordnet.modalities.text.transforms import Derived
from swordnet.plugins.signals import MediaInput


def prose(rng: random.Random, sentences: int) -> str:
    words = ["".join(rng.choices("abcdefghijklmnop", k=rng.randint(2, 8))) for _ in range(600)]
    return "\n".join(
        " ".join(rng.choices(words, k=rng.randint(8, 20))).capitalize() + "."
        for _ in range(sentences)
    )


def test_main_text_drops_navigation_and_keeps_the_article() -> None:
    rng = random.Random(1)
    chapter = prose(rng, 30)
    page = transforms.embed_in_page(Derived.foreign(chapter), [prose(rng, 3)], rng)
    text, how = main_text(page, "page.html")
    assert how == "article"  # the page marks its article: trafilatura's baseline reads it
    assert "首页" not in text and "Copyright" not in text
    assert chapter.splitlines()[5] in text


def test_a_page_without_a_marked_article_gets_the_full_extraction() -> None:
    rng = random.Random(4)
    chapter = prose(rng, 30)
    page = transforms.embed_in_page(Derived.foreign(chapter), [prose(rng, 3)], rng)
    unmarked = page.replace("<article", "<div").replace("</article>", "</div>")
    assert "<article" not in unmarked
    text, how = main_text(unmarked, "page.html")
    assert how == "trafilatura"
    assert "首页" not in text and "Copyright" not in text
    assert chapter.splitlines()[5] in text


def test_a_page_of_links_only_falls_back_to_visible_text() -> None:
    links = "".join(f'<li><a href="/{i}">chapter {i}</a></li>' for i in range(40))
    text, how = main_text(f"<html><body><ul>{links}</ul></body></html>", "list.html")
    assert "chapter 39" in text
    assert how in {"trafilatura", "visible"}


def test_copy_embedded_in_a_page_is_found_by_the_signal() -> None:
    rng = random.Random(2)
    reference = prose(rng, 60)
    signal = TextSignal()
    index = signal.new_index()
    index.add(1, signal.fingerprint_text(reference))
    excerpt = transforms.excerpt(Derived.of_reference(1, reference), rng, 1000)
    page = transforms.embed_in_page(excerpt, [prose(rng, 4), prose(rng, 4)], rng)
    media = MediaInput(
        name="https://pirate.example/ch1", data=page.encode(), media_type="text/html"
    )
    assert signal.accepts(media)
    fingerprint = signal.fingerprint(media)
    assert fingerprint.meta["extraction"] == "article"
    (hit,) = index.query(fingerprint)
    (segment,) = hit.segments
    start = int(excerpt.source_pos[0])
    assert abs(segment.reference[0] - start) <= 8
    assert abs(segment.reference[1] - (start + 1000)) <= 8


def test_bad_pages_and_payloads_raise_media_errors() -> None:
    signal = TextSignal()
    for data in (b"", b"   ", b"\x00\x01binary<html>"):
        media = MediaInput(name="bad.html", data=data, media_type="text/html")
        with pytest.raises(CorruptMediaError, match=r"bad\.html"):
            signal.fingerprint(media)
    with pytest.raises(CorruptMediaError):
        decode_payload(b"not a text fingerprint")
