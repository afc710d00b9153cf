"""Small generated videos shared by the video unit tests (made once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from swordnet.modalities.video.synth import synthetic_video


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("video-clips")
    return {
        "a": synthetic_video(root / "a.mp4", seed=41, seconds=24.0),
        "b": synthetic_video(root / "b.mp4", seed=42, seconds=24.0),
        "c": synthetic_video(root / "c.mp4", seed=43, seconds=24.0),
        "silent": synthetic_video(root / "silent.mkv", seed=44, seconds=12.0, with_audio=False),
    }
