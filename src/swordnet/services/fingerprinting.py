"""Fingerprint files with every signal type that reads them; runs in worker processes."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from swordnet.domain.errors import MediaError, UnsupportedMediaError
from swordnet.plugins.signals import Fingerprint, MediaInput, Role, SignalType
from swordnet.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FingerprintJob:
    path: str
    role: Role
    settings_json: str  # settings travel to worker processes as JSON


@dataclass(frozen=True, slots=True)
class FingerprintResult:
    path: str
    sha256: str = ""
    size: int = 0
    media_type: str | None = None
    modality: str | None = None
    fingerprints: tuple[Fingerprint, ...] = field(default_factory=tuple)
    error: str | None = None


@lru_cache(maxsize=4)
def _signals_for(settings_json: str) -> dict[str, SignalType]:
    from swordnet.plugins import build_signals

    return build_signals(Settings.from_worker_json(settings_json))


def accepting_signals(signals: dict[str, SignalType], media: MediaInput) -> list[SignalType]:
    return [signal for signal in signals.values() if signal.accepts(media)]


def fingerprint_media(
    signals: dict[str, SignalType], media: MediaInput, role: Role
) -> tuple[str, tuple[Fingerprint, ...]]:
    """Fingerprint with each accepting signal.

    The media's own type names its modality (a film is video even though the audio signal
    reads its soundtrack too); failing that, the first accepting signal's.
    """
    if media.size() == 0:
        raise MediaError(f"{media.name}: empty file (0 bytes), nothing to fingerprint")
    chosen = accepting_signals(signals, media)
    if not chosen:
        raise UnsupportedMediaError(
            f"{media.name}: no signal type reads {media.suffix or 'this'} files"
        )
    media_type = media.media_type or mimetypes.guess_type(media.name)[0] or ""
    major = media_type.split("/", 1)[0]
    modality = next((s.modality for s in chosen if s.modality == major), chosen[0].modality)
    return modality, tuple(signal.fingerprint(media, role=role) for signal in chosen)


def unexpected_error(name: str, exc: Exception) -> str:
    """The one-line report of an error no code path foresaw; ``--verbose`` logs its traceback."""
    log.info("%r failed unexpectedly", name, exc_info=exc)
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return (
        f"{name}: cannot process, unexpected {type(exc).__name__}: {reason} "
        "(a bug: please report it with the file)"
    )


def fingerprint_file(job: FingerprintJob) -> FingerprintResult:
    """Never raises for bad media: the error travels back in the result."""
    path = Path(job.path)
    try:
        settings = Settings.from_worker_json(job.settings_json)
        media = MediaInput.from_path(path, max_bytes=settings.max_media_bytes)
        data = media.read()
        media = MediaInput(
            name=str(path), path=path, data=data, media_type=mimetypes.guess_type(path.name)[0]
        )
        modality, fingerprints = fingerprint_media(_signals_for(job.settings_json), media, job.role)
    except MediaError as exc:
        return FingerprintResult(job.path, error=str(exc))
    except OSError as exc:
        return FingerprintResult(job.path, error=f"{path}: cannot read: {exc.strerror or exc}")
    except Exception as exc:
        # A decoder's own error (OpenCV, PyAV, numpy) on input nobody foresaw: a bug to fix
        # where it arises, but this file's, and the rest of the batch goes on. Raised in a
        # worker process, it would otherwise end the whole batch.
        return FingerprintResult(job.path, error=unexpected_error(job.path, exc))
    return FingerprintResult(
        path=job.path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        media_type=media.media_type,
        modality=modality,
        fingerprints=fingerprints,
    )


def fingerprint_failed(job: FingerprintJob, exc: BaseException) -> FingerprintResult:
    """The result of a file whose worker raised or died: the batch goes on without it."""
    if isinstance(exc, Exception) and not isinstance(exc, BrokenProcessPool):
        return FingerprintResult(job.path, error=unexpected_error(job.path, exc))
    return FingerprintResult(job.path, error=worker_died(job.path))


def worker_died(name: str) -> str:
    return (
        f"{name}: the worker process handling it died (out of memory, or a decoder "
        "crashed); the rest of the batch went on. Check the file, or lower the budgets"
    )
