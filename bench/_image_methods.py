"""The methods the image benchmark compares: SwordNet's image signal, PDQ alone, pHash.

Each indexes the reference pictures (JPEG bytes) and answers a query's bytes with
``(reference name, score)`` pairs. The time spent decoding, hashing and searching is
counted per query in CPU time: the machine may be shared, and "per core" means CPU time.
Baselines use their usual thresholds: PDQ distance <= 31 of 256 bits, pHash <= 8 of 64.
"""

from __future__ import annotations

import io
import time
from abc import ABC, abstractmethod

import imagehash
import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image

from swordnet.domain.errors import MediaError
from swordnet.modalities.image import ImageSignal
from swordnet.modalities.image.index import ImageIndex
from swordnet.plugins.signals import MediaInput


class Method(ABC):
    name: str

    def __init__(self) -> None:
        self.fingerprint_s: list[float] = []
        self.search_s: list[float] = []

    @abstractmethod
    def index(self, references: list[tuple[str, bytes]]) -> None: ...

    @abstractmethod
    def predict(self, data: bytes) -> list[tuple[str, float]]: ...


class SwordNetImage(Method):
    name = "swordnet image"

    def __init__(self, signal: ImageSignal | None = None) -> None:
        super().__init__()
        self.signal = signal or ImageSignal()
        self._index: ImageIndex = self.signal.new_index()
        self._names: list[str] = []
        self.tiers: dict[str, int] = {}
        self.errors = 0

    def index(self, references: list[tuple[str, bytes]]) -> None:
        for number, (name, data) in enumerate(references):
            features = self.signal.extract(MediaInput(name=name, data=data), role="reference")
            self._index.add_features(number, features)
            self._names.append(name)

    def predict(self, data: bytes) -> list[tuple[str, float]]:
        started = time.process_time()
        try:
            features = self.signal.extract(MediaInput(name="query.jpg", data=data))
        except MediaError:
            self.errors += 1
            return []
        searched = time.process_time()
        hits = self._index.query_features(features)
        finished = time.process_time()
        self.fingerprint_s.append(searched - started)
        self.search_s.append(finished - searched)
        for hit in hits[:1]:
            tier = str(hit.details.get("tier"))
            self.tiers[tier] = self.tiers.get(tier, 0) + 1
        return [(self._names[hit.ref_id], hit.score) for hit in hits]


class _HashBaseline(Method):
    bits: int
    max_distance: int

    def __init__(self) -> None:
        super().__init__()
        self._hashes = np.zeros((0, 1), np.uint8)
        self._names: list[str] = []

    @abstractmethod
    def hash(self, image: Image.Image) -> npt.NDArray[np.uint8]: ...

    def index(self, references: list[tuple[str, bytes]]) -> None:
        hashes = []
        for name, data in references:
            hashes.append(self.hash(Image.open(io.BytesIO(data)).convert("RGB")))
            self._names.append(name)
        self._hashes = np.stack(hashes)

    def predict(self, data: bytes) -> list[tuple[str, float]]:
        started = time.process_time()
        code = self.hash(Image.open(io.BytesIO(data)).convert("RGB"))
        searched = time.process_time()
        distances = np.bitwise_count(self._hashes ^ code).sum(axis=1)
        close = np.flatnonzero(distances <= self.max_distance)
        finished = time.process_time()
        self.fingerprint_s.append(searched - started)
        self.search_s.append(finished - searched)
        return [(self._names[i], 1.0 - float(distances[i]) / self.bits) for i in close]


class PdqAlone(_HashBaseline):
    name = "pdqhash alone (d<=31)"
    bits = 256
    max_distance = 31

    def hash(self, image: Image.Image) -> npt.NDArray[np.uint8]:
        bits, _quality = pdqhash.compute(np.asarray(image))
        return np.packbits(np.asarray(bits, dtype=np.uint8))


class PerceptualHash(_HashBaseline):
    name = "imagehash.phash (d<=8)"
    bits = 64
    max_distance = 8

    def hash(self, image: Image.Image) -> npt.NDArray[np.uint8]:
        return np.packbits(imagehash.phash(image).hash.astype(np.uint8).ravel())
