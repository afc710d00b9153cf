"""Pirate-style transforms of videos, made with FFmpeg's filters (the simulated web reuses them).

Every transform takes a stretch of a source video and writes a query file, and says where
each reference stretch lands in it (``Placement``), which is the ground truth a benchmark
scores against. Sources without a soundtrack get silence, so that every query has one.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av

ENCODE = [
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-crf",
    "26",
    "-g",
    "50",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-b:a",
    "64k",
    "-ac",
    "1",
    "-ar",
    "22050",
    "-threads",
    "1",
]
# Everything inside a query is brought to one size first, as an uploader's editor does.
CANVAS = (
    "scale=640:360:force_original_aspect_ratio=decrease,"
    "pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25"
)


@dataclass(frozen=True, slots=True)
class Placement:
    """``source`` seconds [ref_start, ref_end] appear at query seconds [query_start, query_end]."""

    source: Path
    ref_start: float
    ref_end: float
    query_start: float
    query_end: float


class TransformError(RuntimeError):
    """FFmpeg failed to make a query; the message carries its last lines."""


def has_audio(path: Path) -> bool:
    with av.open(str(path)) as container:
        return bool(container.streams.audio)


def ffmpeg(arguments: list[str], out: Path) -> Path:
    binary = shutil.which("ffmpeg")
    if binary is None:
        raise TransformError("ffmpeg is not installed")
    command = [binary, "-hide_banner", "-loglevel", "error", "-y", *arguments, *ENCODE, str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TransformError(f"ffmpeg failed for {out.name}: {done.stderr.strip()[-400:]}")
    return out


def _input(path: Path, start: float, duration: float) -> list[str]:
    return ["-ss", f"{start:.3f}", "-t", f"{duration:.3f}", "-i", str(path)]


def _audio_inputs(paths: list[Path], durations: list[float]) -> tuple[list[str], list[str]]:
    """Extra silent inputs for sources without sound, and each source's audio label."""
    extra: list[str] = []
    labels: list[str] = []
    silent_index = len(paths)
    for position, (path, duration) in enumerate(zip(paths, durations, strict=True)):
        if has_audio(path):
            labels.append(f"[{position}:a]")
        else:
            extra += ["-f", "lavfi", "-t", f"{duration:.3f}", "-i", "anullsrc=r=22050:cl=mono"]
            labels.append(f"[{silent_index}:a]")
            silent_index += 1
    return extra, labels


_VIDEO_FILTERS: dict[str, str] = {
    "reencode_low_bitrate": "null",
    "resize_360p": "scale=-2:360",
    "letterbox": "pad=iw:ih*4/3:0:(oh-ih)/2:black,setsar=1",
    "pillarbox": "pad=iw*4/3:ih:(ow-iw)/2:0:black,setsar=1",
    "flip": "hflip",
}


def simple(
    kind: str, source: Path, out: Path, start: float, duration: float, rng: random.Random
) -> list[Placement]:
    """One excerpt of ``source`` under one transform (see ``TRANSFORMS``)."""
    video = _VIDEO_FILTERS.get(kind)
    audio = "anull"
    length = duration
    if kind == "crop_80":
        x, y = rng.uniform(0, 1), rng.uniform(0, 1)
        video = f"crop=trunc(iw*0.8/2)*2:trunc(ih*0.8/2)*2:(iw-ow)*{x:.2f}:(ih-oh)*{y:.2f}"
    elif kind in ("speed_0.9", "speed_1.1"):
        factor = float(kind.split("_")[1])
        video, audio, length = f"setpts=PTS/{factor}", f"atempo={factor}", duration / factor
    elif kind == "logo_overlay":
        video = _logo(rng)
    elif kind == "subtitles":
        video = _subtitles()
    elif kind == "camcord":
        video = _camcord(rng)
    if video is None:
        raise ValueError(f"unknown transform {kind!r}")
    extra, labels = _audio_inputs([source], [duration])
    if kind == "camcord":  # re-filmed in a room with other music playing
        extra = ["-f", "lavfi", "-t", f"{length:.3f}", "-i", f"sine=f={rng.randint(200, 900)}"]
        labels = ["[1:a]"]
    graph = f"[0:v]{video},scale=trunc(iw/2)*2:trunc(ih/2)*2[v];{labels[0]}{audio}[a]"
    bitrate = ["-b:v", "120k", "-maxrate", "150k", "-bufsize", "300k"]
    arguments = [*_input(source, start, duration), *extra, "-filter_complex", graph]
    arguments += ["-map", "[v]", "-map", "[a]", "-t", f"{length:.3f}"]
    ffmpeg(arguments + (bitrate if kind == "reencode_low_bitrate" else []), out)
    return [Placement(source, start, start + duration, 0.0, length)]


def _logo(rng: random.Random) -> str:
    x, y = rng.choice(("20", "W-w-20")), rng.choice(("20", "H-h-20"))
    box = f"drawbox=x={x.replace('W-w', 'iw-iw/5')}:y={y.replace('H-h', 'ih-ih/8')}"
    text = "drawtext=text='PIRATE TV':fontcolor=white:fontsize=h/16:x=w/10:y=h/10"
    return f"{box}:w=iw/5:h=ih/8:color=red@0.7:t=fill,{text}"


def _subtitles() -> str:
    return (
        "drawbox=x=iw/8:y=ih*0.78:w=iw*3/4:h=ih/7:color=black@0.5:t=fill,"
        "drawtext=text='%{pts\\:hms} - a subtitle line that changes':fontcolor=white:"
        "fontsize=h/18:x=(w-text_w)/2:y=h*0.8"
    )


def _camcord(rng: random.Random) -> str:
    def j() -> str:
        return f"{rng.uniform(0.03, 0.09):.3f}"

    corners = (
        f"x0=W*{j()}:y0=H*{j()}:x1=W*(1-{j()}):y1=H*{j()}:"
        f"x2=W*{j()}:y2=H*(1-{j()}):x3=W*(1-{j()}):y3=H*(1-{j()})"
    )
    return (
        f"perspective={corners}:sense=destination,gblur=sigma=1.2,"
        f"eq=brightness={rng.uniform(-0.08, 0.05):.2f}:saturation={rng.uniform(0.6, 0.9):.2f}:"
        f"gamma={rng.uniform(0.85, 1.15):.2f},colorbalance=rs={rng.uniform(0.0, 0.12):.2f}"
    )


def picture_in_picture(
    source: Path, backdrop: Path, out: Path, start: float, duration: float, rng: random.Random
) -> list[Placement]:
    """The work at half size over another video, with the work's soundtrack."""
    extra, labels = _audio_inputs([source, backdrop], [duration, duration])
    x, y = rng.uniform(0.05, 0.45), rng.uniform(0.05, 0.45)
    graph = (
        f"[1:v]{CANVAS}[bg];[0:v]{CANVAS},scale=320:180[p];"
        f"[bg][p]overlay=x=W*{x:.2f}:y=H*{y:.2f}:shortest=1[v];{labels[0]}anull[a]"
    )
    arguments = [*_input(source, start, duration), "-stream_loop", "-1", "-i", str(backdrop)]
    arguments += [*extra, "-filter_complex", graph, "-map", "[v]", "-map", "[a]"]
    ffmpeg([*arguments, "-t", f"{duration:.3f}"], out)
    return [Placement(source, start, start + duration, 0.0, duration)]


def concatenate(parts: list[tuple[Path, float, float]], out: Path) -> list[Placement]:
    """Stretches (path, start, duration) end to end on one canvas: compilations, embeddings."""
    arguments: list[str] = []
    for path, start, duration in parts:
        arguments += _input(path, start, duration)
    extra, labels = _audio_inputs([p for p, _, _ in parts], [d for _, _, d in parts])
    chains = []
    for position, (_, _, duration) in enumerate(parts):
        chains.append(
            f"[{position}:v]{CANVAS},trim=duration={duration:.3f},setpts=PTS-STARTPTS[v{position}]"
        )
        chains.append(
            f"{labels[position]}aresample=22050,aformat=channel_layouts=mono,"
            f"apad=whole_dur={duration:.3f},atrim=duration={duration:.3f},asetpts=PTS-STARTPTS[a{position}]"
        )
    joined = "".join(f"[v{i}][a{i}]" for i in range(len(parts)))
    graph = ";".join(chains) + f";{joined}concat=n={len(parts)}:v=1:a=1[v][a]"
    ffmpeg([*arguments, *extra, "-filter_complex", graph, "-map", "[v]", "-map", "[a]"], out)
    placements = []
    cursor = 0.0
    for path, start, duration in parts:
        placements.append(Placement(path, start, start + duration, cursor, cursor + duration))
        cursor += duration
    return placements


SIMPLE_TRANSFORMS = (
    "reencode_low_bitrate",
    "resize_360p",
    "crop_80",
    "letterbox",
    "pillarbox",
    "flip",
    "speed_0.9",
    "speed_1.1",
    "logo_overlay",
    "subtitles",
    "camcord",
)
TRANSFORMS = (*SIMPLE_TRANSFORMS, "picture_in_picture", "embedded", "compilation")
