"""The audio signal: landmark fingerprints of music and soundtracks, from files or PCM."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from swordnet.domain.errors import MediaError
from swordnet.modalities.audio.decode import (
    ANALYSIS_RATE,
    DEFAULT_MAX_SECONDS,
    decode_audio,
    write_audio,
)
from swordnet.modalities.audio.envelopes import BANDS
from swordnet.modalities.audio.index import AudioIndex
from swordnet.modalities.audio.landmarks import Peaks, analyse_query, analyse_reference
from swordnet.modalities.audio.params import AudioMatchParams
from swordnet.modalities.audio.payload import encode_payload
from swordnet.modalities.audio.synth import synthetic_music
from swordnet.plugins.signals import (
    ConformanceSamples,
    Fingerprint,
    Labels,
    MediaInput,
    Role,
    SignalType,
)

if TYPE_CHECKING:
    from swordnet.settings import Settings

MIN_SECONDS = 2.0  # shorter than this, a few notes could match anything


class AudioTooShortError(MediaError):
    """A reference is too short or too quiet to identify anything by."""


class AudioSignal(SignalType):
    name: ClassVar[str] = "audio"
    modality: ClassVar[str] = "audio"
    units: ClassVar[Mapping[str, Labels]] = {"s": {"zh": "秒", "en": "seconds"}}
    link_suffixes: ClassVar[Mapping[str, str]] = dict.fromkeys(
        (".mp3", ".ogg", ".opus", ".flac", ".wav", ".m4a"), "audio"
    )
    followed_media_kinds: ClassVar[frozenset[str]] = frozenset({"audio"})
    auto_confirm_default: ClassVar[float | None] = 0.9
    notice_labels: ClassVar[Labels] = {"zh": "音频", "en": "audio"}
    default_work_kind: ClassVar[str] = "music"
    version: ClassVar[int] = 1
    file_extensions: ClassVar[frozenset[str]] = frozenset(
        {".mp3", ".ogg", ".opus", ".flac", ".wav", ".m4a", ".aac", ".wma", ".mka"}
    )
    media_types: ClassVar[tuple[str, ...]] = ("audio/",)
    index_class = AudioIndex

    # Queries get denser peaks than references: more of each reference pair then survives
    # noise in the query, while the index stays small.
    reference_peaks_per_second: ClassVar[float] = 12.0
    query_peaks_per_second: ClassVar[float] = 20.0
    # ... and twice as many again for the dense scan (AudioMatchParams.dense_scan): under a
    # voice or loud noise the music's peaks rank below the strongest 20 a second.
    dense_query_peaks_per_second: ClassVar[float] = 40.0

    def __init__(
        self,
        params: AudioMatchParams | None = None,
        *,
        max_seconds: float = DEFAULT_MAX_SECONDS,
    ) -> None:
        self.params = params or AudioMatchParams()
        self.max_seconds = max_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(max_seconds=settings.budgets.audio_max_seconds)

    def fingerprint(self, media: MediaInput, *, role: Role = "query") -> Fingerprint:
        source: Path | bytes
        if media.data is None and media.path is not None:
            if media.max_bytes is not None and media.size() > media.max_bytes:
                media.read()  # raises MediaTooLargeError with the standard message
            source = media.path  # PyAV streams from disk: a long file is never held whole
        else:
            source = media.read()
        pcm = decode_audio(source, name=media.name, max_seconds=self.max_seconds)
        return self.fingerprint_pcm(pcm, ANALYSIS_RATE, role=role, name=media.name)

    def fingerprint_pcm(
        self,
        samples: NDArray[np.floating],
        sample_rate: int,
        *,
        role: Role = "query",
        name: str = "audio",
    ) -> Fingerprint:
        """Fingerprint decoded mono PCM (any float dtype, any rate: it is resampled).

        A silent or too-short query gives an empty fingerprint (it matches nothing); a
        silent or too-short reference raises ``AudioTooShortError``.
        """
        pcm = np.asarray(samples, dtype=np.float32).reshape(-1)
        if sample_rate != ANALYSIS_RATE:
            pcm = resample(pcm, sample_rate, ANALYSIS_RATE)
        seconds = pcm.size / ANALYSIS_RATE
        density = (
            self.reference_peaks_per_second if role == "reference" else self.query_peaks_per_second
        )
        peaks, envelopes = Peaks.empty(), np.zeros((0, BANDS), np.uint8)
        # Only queries carry a peak map, phases of every bin and dense peaks; references keep
        # phase points.
        found_map, points, phases, dense = None, None, None, None
        if seconds >= MIN_SECONDS and role == "reference":
            peaks, envelopes, points = analyse_reference(pcm, per_second=density)
        elif seconds >= MIN_SECONDS:
            peaks, envelopes, found_map, phases, dense = analyse_query(
                pcm, per_second=density, dense_per_second=self.dense_query_peaks_per_second
            )
        if role == "reference" and len(peaks) < self.params.min_matched:
            raise AudioTooShortError(
                f"{name}: {seconds:.1f} s of audio with too little sound to fingerprint"
            )
        return Fingerprint(
            signal=self.name,
            version=self.version,
            payload=encode_payload(
                peaks, envelopes, found_map, points=points, phases=phases, dense_peaks=dense
            ),
            length=round(seconds, 3),
            unit="s",
            meta={"peaks": len(peaks), "role": role, "rate": ANALYSIS_RATE},
        )

    def new_index(self) -> AudioIndex:
        return AudioIndex(self.params)

    @classmethod
    def conformance_samples(cls, workdir: Path) -> ConformanceSamples:
        from swordnet.modalities.audio.transforms import reencode

        rate = ANALYSIS_RATE
        reference = synthetic_music(seed=11, seconds=30.0)
        excerpt = reencode(reference[8 * rate : 20 * rate], rate, codec="mp3", bit_rate=64000)
        paths = {
            "reference": workdir / "reference.flac",
            "copy": workdir / "copy.mp3",
            "unrelated": workdir / "unrelated.flac",
        }
        write_audio(paths["reference"], reference, rate, codec="flac")
        write_audio(paths["copy"], excerpt, rate, codec="libmp3lame", bit_rate=64000)
        write_audio(paths["unrelated"], synthetic_music(seed=12, seconds=30.0), rate, codec="flac")
        garbage = workdir / "garbage.mp3"
        garbage.write_bytes(bytes(np.random.default_rng(3).integers(0, 256, 4000, np.uint8)))
        return ConformanceSamples(
            reference=MediaInput.from_path(paths["reference"]),
            copy=MediaInput.from_path(paths["copy"]),
            unrelated=MediaInput.from_path(paths["unrelated"]),
            garbage=MediaInput.from_path(garbage),
        )


def resample(
    samples: NDArray[np.float32], source_rate: int, target_rate: int
) -> NDArray[np.float32]:
    """Polyphase resampling (scipy) of mono PCM between integer rates."""
    from math import gcd

    from scipy.signal import resample_poly

    if source_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {source_rate}")
    divisor = gcd(source_rate, target_rate)
    out = resample_poly(samples, target_rate // divisor, source_rate // divisor)
    return np.asarray(out, dtype=np.float32)
