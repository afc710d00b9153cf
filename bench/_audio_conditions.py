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


def _reencode(codec: str, bit_rate: int) -> Degrade:
    return lambda pcm, rate, rng: tf.reencode(pcm, rate, codec=codec, bit_rate=bit_rate)


def _then(*steps: Degrade) -> Degrade:
    """Each step applied to what the one before made, as an uploader's chain applies them."""

    def apply(pcm: Pcm, rate: int, rng: np.random.Generator) -> Pcm:
        for step in steps:
            pcm = step(pcm, rate, rng)
        return pcm

    return apply


CONDITIONS: list[Condition] = [
    Condition("clean", lambda pcm, rate, rng: pcm),
    Condition("mp3_64k", _reencode("mp3", 64000)),
    Condition("opus_24k", _reencode("opus", 24000)),
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
    # What an uploader dodging Content ID does in one go: change the speed, tempo or pitch,
    # then the platform re-encodes, or noise and voices come with it. No target: measured.
    Condition(
        "speed_1.05+opus_24k", _then(_speed(1.05), _reencode("opus", 24000)), 1.05, "compound"
    ),
    Condition(
        "speed_0.95+white_10db", _then(_speed(0.95), _noise("white", 10.0)), 0.95, "compound"
    ),
    Condition("tempo_1.10+mp3_64k", _then(_tempo(1.10), _reencode("mp3", 64000)), 1.10, "compound"),
    Condition(
        "pitch_-1+babble_10db", _then(_pitch(-1.0), _noise("babble", 10.0)), group="compound"
    ),
    Condition("speed_1.05+under_speech", _then(_speed(1.05), _speech), 1.05, "compound"),
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
