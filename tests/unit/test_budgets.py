"""Resource budgets: an item over its modality's budget is refused, early and cheaply, with
an error naming the setting to raise; the budgets come from settings."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from swordnet.domain.errors import MediaTooLargeError
from swordnet.modalities.audio import AudioSignal
from swordnet.modalities.image import ImageSignal
from swordnet.modalities.image.decode import decode_image
from swordnet.modalities.text.signal import TextSignal
from swordnet.modalities.video import VideoSignal
from swordnet.modalities.video.synth import synthetic_video
from swordnet.plugins.signals import MediaInput
from swordnet.settings import BudgetSettings, Settings
from swordnet.simweb.hostile_media import gif_bomb, png_of_rows, silent_opus


def _settings(**budgets: float) -> Settings:
    return Settings(budgets=BudgetSettings(**budgets))  # type: ignore[arg-type]


def test_pictures_over_the_pixel_budget_are_refused_from_their_header() -> None:
    signal = ImageSignal.from_settings(_settings(image_max_pixels=10_000))
    data = png_of_rows(200, 200, iter([bytes(600)] * 200))
    with pytest.raises(MediaTooLargeError, match=r"budgets\.image_max_pixels"):
        signal.fingerprint(MediaInput(name="poster.png", data=data))


def test_a_gif_claiming_four_gigapixels_names_the_pixel_budget() -> None:
    with pytest.raises(MediaTooLargeError, match=r"bomb\.gif: .*budgets\.image_max_pixels"):
        decode_image(gif_bomb(), "bomb.gif")


def test_a_79_megapixel_png_decodes_in_a_third_of_a_gigabyte(tmp_path: Path) -> None:
    width, height = 10_000, 7_900
    row = bytes(range(256)) * (3 * width // 256) + bytes(3 * width % 256)
    path = tmp_path / "poster.png"
    path.write_bytes(png_of_rows(width, height, iter([row] * height)))
    # a fresh process: its peak RSS is the decoding's, whatever this one did before
    script = (
        "import resource, sys\n"
        "from swordnet.modalities.image.decode import decode_image\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "decoded = decode_image(data, 'poster.png')\n"
        "assert decoded.rgb.shape == (809, 1024, 3)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    grown_mb = int(subprocess.check_output([sys.executable, "-c", script, str(path)], text=True))
    assert grown_mb < 450, f"decoding 79 megapixels took {grown_mb} MB more"  # was 1360 MB


def test_audio_declaring_more_than_its_budget_is_refused_before_decoding() -> None:
    signal = AudioSignal.from_settings(_settings(audio_max_seconds=60))
    ten_minutes = MediaInput(name="silence.opus", data=silent_opus(600), media_type="audio/ogg")
    started = time.perf_counter()
    with pytest.raises(MediaTooLargeError, match=r"600 s .*budgets\.audio_max_seconds"):
        signal.fingerprint(ten_minutes)
    assert time.perf_counter() - started < 1.0, "refused from the header, not after decoding"


def test_three_hours_of_silence_are_refused_by_the_default_budget() -> None:
    signal = AudioSignal.from_settings(Settings())
    three_hours = MediaInput(name="silence.opus", data=silent_opus(3 * 3600))
    with pytest.raises(MediaTooLargeError, match=r"10800 s .*budgets\.audio_max_seconds"):
        signal.fingerprint(three_hours)


def test_video_over_its_seconds_or_frames_budget_is_refused(tmp_path: Path) -> None:
    clip = MediaInput.from_path(synthetic_video(tmp_path / "clip.mp4", seed=3, seconds=6.0))
    too_long = VideoSignal.from_settings(_settings(video_max_seconds=3))
    with pytest.raises(MediaTooLargeError, match=r"budgets\.video_max_seconds"):
        too_long.fingerprint(clip)
    too_many = VideoSignal.from_settings(_settings(video_max_frames=2))
    with pytest.raises(MediaTooLargeError, match=r"budgets\.video_max_frames"):
        too_many.fingerprint(clip)


def test_text_over_its_byte_budget_is_refused_before_decoding() -> None:
    signal = TextSignal.from_settings(_settings(text_max_bytes=1000))
    with pytest.raises(MediaTooLargeError, match=r"2000 bytes .*budgets\.text_max_bytes"):
        signal.fingerprint(MediaInput(name="novel.txt", data=b"word " * 400))
    signal.fingerprint(MediaInput(name="short.txt", data=b"word " * 200))  # within budget


def test_thirty_megabytes_of_text_are_refused_at_once_by_default() -> None:
    signal = TextSignal.from_settings(Settings())
    started = time.perf_counter()
    with pytest.raises(MediaTooLargeError, match=r"budgets\.text_max_bytes"):
        signal.fingerprint(MediaInput(name="works.txt", data=b"x" * (30 * 1024 * 1024)))
    assert time.perf_counter() - started < 0.5


def test_text_over_its_character_budget_is_refused() -> None:
    signal = TextSignal.from_settings(_settings(text_max_chars=100))
    with pytest.raises(MediaTooLargeError, match=r"budgets\.text_max_chars"):
        signal.fingerprint_text("word " * 40)


def test_pictures_within_budget_keep_their_pixels() -> None:
    """The memory-lean decoding gives the pixels of converting, then shrinking."""
    rgba = Image.fromarray(np.random.default_rng(1).integers(0, 256, (900, 1500, 4), np.uint8))
    buffer = io.BytesIO()
    rgba.save(buffer, "PNG")
    flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat.alpha_composite(rgba)
    expected = np.asarray(
        flat.convert("RGB").resize((1024, 614), Image.Resampling.BILINEAR, reducing_gap=2.0)
    )
    assert np.array_equal(decode_image(buffer.getvalue(), "a.png").rgb, expected)


def test_budgets_are_validated() -> None:
    from swordnet.domain.errors import ConfigurationError
    from swordnet.settings import load_settings

    with pytest.raises(ConfigurationError, match=r"budgets\.audio_max_seconds"):
        load_settings(budgets={"audio_max_seconds": 0})
