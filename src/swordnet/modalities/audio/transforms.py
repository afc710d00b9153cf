"""What pirates do to audio, reproducible: re-encoding, noise, filtering, reverb, speed.

Every function takes and returns mono float32 PCM at ``rate`` Hz. The benchmark, the
simulated pirate web and the video modality use them; randomness always comes from the
``numpy.random.Generator`` the caller passes, so a seed reproduces a degradation.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from fractions import Fraction

import av
import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, fftconvolve, lfilter, resample_poly, sosfilt

from swordnet.modalities.audio.decode import decode_audio, encode_audio

Pcm = NDArray[np.float32]

_CODECS = {
    # name: (container, encoder, encoder sample rate)
    "mp3": ("mp3", "libmp3lame", None),
    "opus": ("ogg", "libopus", 48000),
    "aac": ("adts", "aac", None),
}


def reencode(samples: Pcm, rate: int, *, codec: str = "mp3", bit_rate: int = 64000) -> Pcm:
    """Encode with a lossy codec through PyAV and decode back to ``rate``."""
    container, encoder, codec_rate = _CODECS[codec]
    data = encode_audio(
        samples,
        rate,
        container_format=container,
        codec=encoder,
        bit_rate=bit_rate,
        codec_rate=codec_rate,
    )
    return decode_audio(data, name=f"{codec} re-encode", rate=rate)[: samples.size]


def _power(samples: NDArray[np.floating]) -> float:
    return float(np.mean(np.square(samples, dtype=np.float64))) + 1e-12


def add_noise(samples: Pcm, noise: Pcm, snr_db: float) -> Pcm:
    """Mix ``noise`` (tiled or cut to length) at ``snr_db`` below the signal's power."""
    reps = int(np.ceil(samples.size / max(1, noise.size)))
    noise = np.tile(noise, reps)[: samples.size]
    gain = np.sqrt(_power(samples) / (_power(noise) * 10 ** (snr_db / 10)))
    return _limit(samples + gain * noise)


def white_noise(count: int, rng: np.random.Generator) -> Pcm:
    return rng.standard_normal(count).astype(np.float32)


def babble_noise(count: int, rate: int, rng: np.random.Generator, *, talkers: int = 6) -> Pcm:
    """Crowd-like noise: several talkers of syllable-rate bursts of formant-filtered buzz."""
    out = np.zeros(count, np.float64)
    t = np.arange(count) / rate
    for _ in range(talkers):
        pitch = rng.uniform(90, 240) * (1 + 0.05 * np.sin(2 * np.pi * rng.uniform(0.2, 1) * t))
        buzz = np.sign(np.sin(2 * np.pi * np.cumsum(pitch) / rate)) + 0.3 * rng.standard_normal(
            count
        )
        voiced = np.zeros(count)
        for formant in rng.uniform([300, 900, 2200], [800, 2000, 3000]):
            b, a = _resonator(formant, 120.0, rate)
            voiced += lfilter(b, a, buzz)
        syllables = np.maximum(0.0, np.sin(2 * np.pi * rng.uniform(3, 5) * t + rng.uniform(0, 6)))
        out += voiced * syllables
    return np.asarray(out / (np.abs(out).max() + 1e-9), dtype=np.float32)


def _resonator(hertz: float, bandwidth: float, rate: int) -> tuple[NDArray[np.float64], ...]:
    radius = np.exp(-np.pi * bandwidth / rate)
    theta = 2 * np.pi * hertz / rate
    return np.array([1.0 - radius]), np.array([1.0, -2 * radius * np.cos(theta), radius**2])


def band_pass(samples: Pcm, rate: int, low: float = 300.0, high: float = 3400.0) -> Pcm:
    """A telephone channel by default: 4th-order Butterworth band-pass."""
    high = min(high, 0.45 * rate)
    sos = butter(4, [low, high], btype="bandpass", fs=rate, output="sos")
    return np.asarray(sosfilt(sos, samples), dtype=np.float32)


def add_reverb(
    samples: Pcm, rate: int, rng: np.random.Generator, *, rt60: float = 0.6, wet: float = 0.5
) -> Pcm:
    """A room: convolution with exponentially decaying noise (60 dB down after ``rt60`` s)."""
    length = int(rt60 * rate)
    t = np.arange(length) / rate
    impulse = rng.standard_normal(length) * 10 ** (-3 * t / rt60)
    impulse[0] = 0.0
    impulse /= np.sqrt(np.sum(impulse**2)) + 1e-12
    tail = fftconvolve(samples, impulse)[: samples.size]
    dry = samples * (1 - wet)
    return _limit(dry + wet * tail * np.sqrt(_power(samples) / _power(tail)))


def change_speed(samples: Pcm, rate: int, factor: float) -> Pcm:
    """Play ``factor`` times faster, like a turntable: pitch moves with the tempo."""
    ratio = Fraction(1.0 / factor).limit_denominator(1000)
    return np.asarray(resample_poly(samples, ratio.numerator, ratio.denominator), dtype=np.float32)


def change_tempo(samples: Pcm, rate: int, factor: float) -> Pcm:
    """Play ``factor`` times faster keeping the pitch (FFmpeg's ``atempo`` through PyAV)."""
    graph = av.filter.Graph()
    source = graph.add_abuffer(
        sample_rate=rate, format="flt", layout="mono", time_base=Fraction(1, rate)
    )
    tempo = graph.add("atempo", f"{factor:.6f}")
    sink = graph.add("abuffersink")
    source.link_to(tempo)
    tempo.link_to(sink)
    graph.configure()
    frame = av.AudioFrame.from_ndarray(
        samples.reshape(1, -1).astype(np.float32), format="flt", layout="mono"
    )
    frame.sample_rate = rate
    frame.pts = 0
    frame.time_base = Fraction(1, rate)
    graph.push(frame)
    graph.push(None)
    chunks: list[Pcm] = []
    while True:
        try:
            out = graph.pull()
        except (av.error.EOFError, av.error.BlockingIOError):
            break
        chunks.append(out.to_ndarray().reshape(-1).astype(np.float32))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


def shift_pitch(samples: Pcm, rate: int, semitones: float) -> Pcm:
    """Move the pitch keeping the tempo: a speed change undone in time by ``atempo``."""
    factor = 2 ** (semitones / 12)
    return change_tempo(change_speed(samples, rate, factor), rate, 1 / factor)


def mix_under_speech(samples: Pcm, speech: Pcm, *, music_below_db: float = 3.0) -> Pcm:
    """Music as the bed under a voice-over: the speech ``music_below_db`` louder."""
    return add_noise(samples, speech, -music_below_db)


_WORDS = (
    "the and of to in is you that it he was for on are",
    "as with his they at be this have from or one had by word",
    "but not what all were we when your can said there use an each",
    "which she do how their if will up other about out many then them",
    "these so some her would make",
)


def speech(seconds: float, rate: int, rng: np.random.Generator) -> Pcm:
    """Synthetic speech from ``espeak-ng`` (generated locally), or babble when it is absent."""
    count = int(seconds * rate)
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return babble_noise(count, rate, rng, talkers=1)
    vocabulary = " ".join(_WORDS).split()
    words = " ".join(rng.choice(vocabulary, size=int(seconds * 4) + 8))
    voice = str(rng.choice(["en", "en-us", "en+f3", "en+m3"]))
    result = subprocess.run(
        [espeak, "--stdout", "-v", voice, "-s", str(int(rng.integers(140, 190))), words],
        capture_output=True,
        check=True,
        timeout=60,
    )
    voice_pcm = decode_audio(io.BytesIO(result.stdout), name="espeak-ng speech", rate=rate)
    reps = int(np.ceil(count / max(1, voice_pcm.size)))
    return np.tile(voice_pcm, reps)[:count]


def _limit(samples: NDArray[np.floating]) -> Pcm:
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    scaled = samples / peak * 0.95 if peak > 0.99 else samples
    return np.asarray(scaled, dtype=np.float32)
