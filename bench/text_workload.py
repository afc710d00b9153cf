"""The text benchmark's workload: references, pirated queries with known spans, distractors.

Kept apart from ``text.py`` (which runs and scores the detectors) so the workload can be
read in one sitting. References are chapters and articles; distractors come from other
books, never indexed, and also fill the unrelated part of generated pirate pages.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from swordnet.modalities.text import transforms
from swordnet.modalities.text.normalize import is_cjk
from swordnet.modalities.text.transforms import Derived

# Whole books held out as distractors; the rest are references.
DISTRACTOR_BOOKS = frozenset(
    {"sherlock-holmes-en", "debian-faq-en", "maint-guide-en"}
    | {"debian-faq-zh", "maint-guide-zh", "song100-zh", "debian-edu-manual-zh"}
)
MIN_REFERENCE_CHARS = 300
QUERY_GAP_ALLOWED = 200  # added characters (ads, headings) inside one copied span


@dataclass(frozen=True, slots=True)
class Document:
    ref_id: int
    book: str
    lang: str
    text: str


@dataclass(slots=True)
class Query:
    query_id: int
    transform: str
    content: str
    is_html: bool
    # reference id -> (query intervals or None for pages, reference intervals)
    truth: dict[int, tuple[list[tuple[int, int]] | None, list[tuple[int, int]]]]
    clean_sources: list[str] = field(default_factory=list)  # text the query was made of

    def copied_chars(self, ref_id: int) -> int:
        return sum(end - start for start, end in self.truth[ref_id][1])


def load_corpus(corpus: Path) -> tuple[list[Document], list[Document]]:
    references: list[Document] = []
    distractors: list[Document] = []
    with (corpus / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["modality"] == "text"]
    for number, row in enumerate(sorted(rows, key=lambda r: r["id"])):
        text = (corpus / row["path"]).read_text(encoding="utf-8")
        document = Document(number + 1, row["book"], row["lang"], text)
        if row["book"] in DISTRACTOR_BOOKS:
            distractors.append(document)
        elif len(text) >= MIN_REFERENCE_CHARS:
            references.append(document)
    return references, distractors


def _zipf_choice(rng: random.Random, vocabulary: list[str], count: int) -> list[str]:
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]
    return rng.choices(vocabulary, weights=weights, k=count)


def generate_small(seed: int = 11) -> tuple[list[Document], list[Document]]:
    """Synthetic Chinese and English books with Zipf-distributed words, for --small."""
    rng = random.Random(seed)
    hanzi = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    zh_words = ["".join(rng.choices(hanzi, k=rng.choice((1, 2, 2, 3)))) for _ in range(4000)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    en_words = ["".join(rng.choices(letters, k=rng.randint(1, 9))) for _ in range(5000)]

    def chapter(lang: str, chars: int) -> str:
        out: list[str] = []
        size = 0
        while size < chars:
            sentences = []
            for _ in range(rng.randint(3, 6)):
                if lang == "zh":
                    words = _zipf_choice(rng, zh_words, rng.randint(8, 24))
                    sentences.append("".join(words) + rng.choice("。！？"))
                else:
                    words = _zipf_choice(rng, en_words, rng.randint(6, 20))
                    sentences.append(" ".join(words).capitalize() + rng.choice(".!?"))
            paragraph = ("" if lang == "zh" else " ").join(sentences)
            out.append(paragraph)
            size += len(paragraph)
        return "\n".join(out)

    references: list[Document] = []
    distractors: list[Document] = []
    number = 0
    for lang in ("zh", "en"):
        for book in range(6):
            for _ in range(6):
                number += 1
                document = Document(
                    number, f"{lang}-book{book}", lang, chapter(lang, rng.randint(1500, 7000))
                )
                (distractors if book >= 4 else references).append(document)
    return references, distractors


def truth_of(derived: Derived) -> dict[int, tuple[list[tuple[int, int]], list[tuple[int, int]]]]:
    """Copied spans per reference: query intervals and reference intervals."""
    truth: dict[int, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
    for ref_id in sorted(set(derived.source_ref.tolist()) - {-1}):
        positions = np.flatnonzero(derived.source_ref == ref_id)
        breaks = np.flatnonzero(np.diff(positions) > QUERY_GAP_ALLOWED) + 1
        query_spans, reference_spans = [], []
        for run in np.split(positions, breaks):
            query_spans.append((int(run[0]), int(run[-1]) + 1))
            sources = derived.source_pos[run]
            reference_spans.append((int(sources.min()), int(sources.max()) + 1))
        truth[ref_id] = (query_spans, reference_spans)
    return truth


def build_queries(
    references: list[Document],
    distractors: list[Document],
    sources_per_transform: int,
    seed: int = 5,
) -> list[Query]:
    rng = random.Random(seed)
    by_id = {doc.ref_id: doc for doc in references}
    filler_pool = [p for doc in distractors for p in doc.text.split("\n") if len(p.strip()) > 40]
    queries: list[Query] = []

    def add(transform: str, derived: Derived, *, page: bool = False) -> None:
        sources = [by_id[r].text for r in set(derived.source_ref.tolist()) - {-1}]
        if page:
            filler = rng.sample(filler_pool, min(len(filler_pool), rng.randint(4, 10)))
            content = transforms.embed_in_page(derived, filler, rng)
            truth = {r: (None, spans) for r, (_, spans) in truth_of(derived).items()}
            sources += filler
        else:
            content = derived.text
            truth = {r: (q, spans) for r, (q, spans) in truth_of(derived).items()}
        queries.append(Query(len(queries), transform, content, page, truth, sources))

    for transform, make in _transforms(rng, by_id):
        candidates = [doc for doc in references if make.accepts(doc)]
        for doc in rng.sample(candidates, min(sources_per_transform, len(candidates))):
            for derived, page in make(doc):
                add(transform, derived, page=page)
    # Distractors: never indexed, so every hit on them is an error unless the passage
    # really is in a reference too (the benchmark checks that independently).
    windows = [
        doc.text[start : start + 3000]
        for doc in distractors
        for start in range(0, max(1, len(doc.text) - 1000), 3000)
    ]
    for text in rng.sample(windows, min(len(windows), 5 * sources_per_transform)):
        queries.append(Query(len(queries), "distractor", text, False, {}, [text]))
    for text in rng.sample(windows, min(len(windows), 2 * sources_per_transform)):
        pirated = transforms.insert_ads(transforms.full_width(Derived.foreign(text), rng), rng)
        if any(is_cjk(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))):
            pirated = transforms.to_traditional(pirated)
        queries.append(Query(len(queries), "distractor pirated", pirated.text, False, {}, [text]))
    for _ in range(2 * sources_per_transform):
        filler = rng.sample(filler_pool, min(len(filler_pool), 12))
        page = transforms.embed_in_page(Derived.foreign(filler[0]), filler[1:], rng)
        queries.append(Query(len(queries), "distractor page", page, True, {}, filler))
    return queries


class _Transform:
    def __init__(self, rng: random.Random, by_id: dict[int, Document], recipe: str) -> None:
        self.rng, self.by_id, self.recipe = rng, by_id, recipe

    def accepts(self, doc: Document) -> bool:
        if self.recipe == "traditional":
            return doc.lang == "zh"
        if self.recipe.startswith(("excerpt", "page")):
            return len(doc.text) > int(self.recipe.split()[-1]) + 50
        if self.recipe == "merge":
            return doc.ref_id + 1 in self.by_id and self.by_id[doc.ref_id + 1].book == doc.book
        return True

    def __call__(self, doc: Document) -> Iterator[tuple[Derived, bool]]:
        rng, whole = self.rng, Derived.of_reference(doc.ref_id, doc.text)
        recipe = self.recipe
        if recipe == "exact":
            yield whole, False
        elif recipe == "traditional":
            yield transforms.to_traditional(whole), False
        elif recipe == "full-width":
            yield transforms.full_width(whole, rng), False
        elif recipe == "ads":
            yield transforms.insert_ads(whole, rng), False
        elif recipe == "disguise":
            yield transforms.disguise(whole, rng), False
        elif recipe.startswith("substitute"):
            yield transforms.substitute(whole, rng, int(recipe.split()[-1]) / 100), False
        elif recipe.startswith("excerpt"):
            yield transforms.excerpt(whole, rng, int(recipe.split()[-1])), False
        elif recipe.startswith("page"):
            yield transforms.excerpt(whole, rng, int(recipe.split()[-1])), True
        elif recipe == "merge":
            following = self.by_id[doc.ref_id + 1]
            second = Derived.of_reference(following.ref_id, following.text)
            yield transforms.merge_chapters(whole, second, "第二章 Chapter 2"), False
        elif recipe == "split":
            yield from ((part, False) for part in transforms.split_chapter(whole, rng))
        elif recipe == "combined":
            part = transforms.excerpt(whole, rng, 1000)
            if doc.lang == "zh":
                part = transforms.to_traditional(part)
            part = transforms.substitute(
                transforms.insert_ads(transforms.full_width(part, rng), rng), rng, 0.05
            )
            yield part, True


TRANSFORMS = (
    "exact", "traditional", "full-width", "disguise", "ads", "substitute 5", "substitute 10",
    "excerpt 300", "excerpt 1000", "excerpt 3000", "page 300", "page 1000", "page 3000",
    "merge", "split", "combined",
)  # fmt: skip


def _transforms(rng: random.Random, by_id: dict[int, Document]) -> list[tuple[str, _Transform]]:
    return [(name, _Transform(rng, by_id, name)) for name in TRANSFORMS]
