"""Video: sampled frames through the image tiers, the soundtrack through the audio tier,
matched frames aligned in time into copied segments (``docs/video.md``)."""

from swordnet.modalities.video.align import AlignedSegment, AlignParams, align_matches
from swordnet.modalities.video.decode import SamplingParams, sample_frames
from swordnet.modalities.video.index import VideoIndex, VideoIndexParams
from swordnet.modalities.video.payload import VideoFeatures
from swordnet.modalities.video.signal import VideoSignal

__all__ = [
    "AlignParams",
    "AlignedSegment",
    "SamplingParams",
    "VideoFeatures",
    "VideoIndex",
    "VideoIndexParams",
    "VideoSignal",
    "align_matches",
    "sample_frames",
]
