"""Sources and queries for the image benchmark: corpus photos or generated pictures.

References are indexed; distractors are never indexed but are transformed like the
references, so every match found for one of their copies is a false match. Natural
variants in the corpus (``related_to``) are left out: they are copies of something.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from swordnet.modalities.image.signal import synthetic_picture
from swordnet.modalities.image.transforms import Transform

# A related picture the manifest does not flag: the same scene as img-endlesssky-bwerner2,
# shot from the same spot at another hour (the local tier finds 71 geometric inliers).
# It is left out, so that neither picture can be a distractor of the other.
UNFLAGGED_RELATED = frozenset({"img-endlesssky-badlands3"})

INPUT_SIDE = 1024  # sources are shown to every method at 1024 pixels on the long side
QUERY_JPEG_QUALITY = 85  # what a pirate page serves after its own transform


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    image: Image.Image
    is_reference: bool


@dataclass(frozen=True, slots=True)
class Query:
    source: Source
    transform: str
    data: bytes


def fit(image: Image.Image, side: int = INPUT_SIDE) -> Image.Image:
    image = image.convert("RGB")
    ratio = side / max(image.size)
    if ratio >= 1:
        return image
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    return image.resize(size, Image.Resampling.LANCZOS)


def encode_jpeg(image: Image.Image, quality: int = QUERY_JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def corpus_sources(corpus: Path, references: int | None, seed: int) -> list[Source]:
    """Photos and artwork of the corpus, split into references and at least as many distractors."""
    with (corpus / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["modality"] == "image"
            and row["kind"] in {"photo", "artwork"}
            and not row["related_to"]
            and row["id"] not in UNFLAGGED_RELATED
        ]
    rows.sort(key=lambda row: row["id"])
    random.Random(seed).shuffle(rows)
    reference_count = len(rows) // 2 if references is None else min(references, len(rows) // 2)
    distractor_count = reference_count if references is not None else len(rows) - reference_count
    chosen = rows[: reference_count + distractor_count]
    sources = []
    for position, row in enumerate(chosen):
        with Image.open(corpus / row["path"]) as opened:
            opened.draft("RGB", (INPUT_SIDE, INPUT_SIDE))
            image = fit(opened)
        sources.append(Source(row["id"], image, is_reference=position < reference_count))
    return sources


def generated_sources(references: int, seed: int) -> list[Source]:
    size = (800, 600)
    return [
        Source(
            f"generated-{i}", synthetic_picture(seed * 1000 + i, size), is_reference=i < references
        )
        for i in range(2 * references)
    ]


def make_queries(
    sources: list[Source], transforms: dict[str, Transform], seed: int
) -> Iterator[Query]:
    for source_number, source in enumerate(sources):
        for transform_number, (name, transform) in enumerate(transforms.items()):
            rng = random.Random(f"{seed}/{source_number}/{transform_number}")
            yield Query(source, name, encode_jpeg(transform(source.image, rng)))
