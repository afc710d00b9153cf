"""The audio modality: landmark fingerprints for music and soundtracks.

``AudioSignal`` fingerprints files (any container PyAV reads, including the audio track of a
video) or decoded PCM (``fingerprint_pcm``); ``AudioIndex`` stores references and answers
queries with the matched time ranges.
"""

from swordnet.modalities.audio.decode import ANALYSIS_RATE, decode_audio
from swordnet.modalities.audio.index import AudioIndex
from swordnet.modalities.audio.params import AudioMatchParams
from swordnet.modalities.audio.signal import AudioSignal, AudioTooShortError

__all__ = [
    "ANALYSIS_RATE",
    "AudioIndex",
    "AudioMatchParams",
    "AudioSignal",
    "AudioTooShortError",
    "decode_audio",
]
