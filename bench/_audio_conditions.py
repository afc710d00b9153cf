"""The pirate conditions of bench/audio.py, built on swordnet's audio transforms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from swordnet.modalities.audio import transforms as tf

Pcm = tf.Pcm
Degrade = Callable[[Pcm, int, np.random.Generator], Pcm]


@dataclass(frozen=True)
class Condition:
    name: str
    degrade: Degrade
    time_factor: float = 1.0  # the excerpt is cut this many times longer, then sped up
    group: str = "plain"  # plain | noise0 | scale: which target applies


def _noise(kind: str, snr: float) -> Degrade:
    def apply(pcm: Pcm, rate: int, rng: np.random.Generator) -> Pcm:
        noise = (
            tf.white_noise(pcm.size, rng)
            if kind == "white"
            else tf.babble_noise(pcm.size, rate, rng)
        )
        return tf.add_noise(pcm, noise, snr)

    return apply


def _speed(factor: float) -> Degrade:
    return lambda pcm, rate, rng: tf.change_speed(pcm, rate, factor)


def _tempo(factor: float) -> Degrade:
    return lambda pcm, rate, rng: tf.change_tempo(pcm, rate, factor)


def _pitch(semitones: float) -> Degrade:
    return lambda pcm, rate, rng: tf.shift_pitch(pcm, rate, semitones)


def _speech(pcm: Pcm, rate: int, rng: np.random.Generator) -> Pcm:
    return tf.mix_under_speech(pcm, tf.speech(pcm.size / rate, rate, rng))


CONDITIONS: list[Condition] = [
    Condition("clean", lambda pcm, rate, rng: pcm),
    Condition(
        "mp3_64k", lambda pcm, rate, rng: tf.reencode(pcm, rate, codec="mp3", bit_rate=64000)
    ),
    Condition(
        "opus_24k", lambda pcm, rate, rng: tf.reencode(pcm, rate, codec="opus", bit_rate=24000)
    ),
    Condition("white_10db", _noise("white", 10.0)),
    Condition("babble_10db", _noise("babble", 10.0)),
    Condition("white_0db", _noise("white", 0.0), group="noise0"),
    Condition("babble_0db", _noise("babble", 0.0), group="noise0"),
    Condition("phone_300_3400", lambda pcm, rate, rng: tf.band_pass(pcm, rate)),
    Condition("reverb", tf.add_reverb, group="other"),
    Condition("speed_0.90", _speed(0.90), 0.90, "scale"),
    Condition("speed_0.95", _speed(0.95), 0.95, "scale"),
    Condition("speed_1.05", _speed(1.05), 1.05, "scale"),
    Condition("speed_1.10", _speed(1.10), 1.10, "scale"),
    Condition("tempo_0.90", _tempo(0.90), 0.90, "scale"),
    Condition("tempo_1.10", _tempo(1.10), 1.10, "scale"),
    Condition("pitch_+1", _pitch(1.0), group="scale"),
    Condition("pitch_-1", _pitch(-1.0), group="scale"),
    Condition("under_speech", _speech, group="other"),
]

# Targets from issue #5, by group and excerpt length.
TARGETS = {
    ("plain", 10): 0.98,
    ("plain", 5): 0.95,
    ("noise0", 10): 0.90,
    ("noise0", 5): 0.90,
    ("scale", 10): 0.90,
    ("scale", 5): 0.90,
}
