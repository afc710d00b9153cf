"""What a batch is made of: the files named or found in a folder, each kept or refused.

A batch (``works add``, ``works import``, ``scan``) never drops an input silently: every
file it is given or finds comes back either to be processed or with the reason it is not.
Hidden files and sidecars (``FILE.json``) are the only exceptions, by design.

Symbolic links are followed when named on the command line (the user chose that file)
and refused inside a folder: a link can lead out of the folder, to a file imported
already, or round in a loop, and what a folder import registers should be what the folder
holds. Anything that is not a regular file (a FIFO would block the reader for ever, a
device is endless) is refused.

File names need not be UTF-8 on Linux; Python keeps their undecodable bytes as lone
surrogates, which a database cannot store. ``path_for_storage`` writes such a path as a
``file:`` URI with the bytes percent-encoded, and ``path_from_storage`` gets the very same
bytes back, so the file can be fingerprinted again later.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_from_bytes, unquote_to_bytes

SIDECAR_SUFFIX = ".json"
_URI_PREFIX = "file://"


@dataclass(frozen=True, slots=True)
class BatchItem:
    """A file of a batch; ``refusal`` says why it is not processed (None: process it)."""

    path: Path
    refusal: str | None = None


def named_files(paths: Iterable[Path]) -> list[BatchItem]:
    """Files named one by one: symbolic links followed, everything else checked."""
    items = []
    for path in paths:
        try:
            mode = path.stat().st_mode  # follows links: the user named this file
        except FileNotFoundError:
            refusal = "no such file" + (" (broken symbolic link)" if path.is_symlink() else "")
            items.append(BatchItem(path, refusal))
            continue
        except OSError as exc:
            items.append(BatchItem(path, f"cannot read: {exc.strerror or exc}"))
            continue
        items.append(BatchItem(path, _refusal_for_mode(mode, followed=True)))
    return items


def folder_files(root: Path) -> list[BatchItem]:
    """Every entry below ``root`` in path order, except hidden files and sidecars."""
    items: list[BatchItem] = []

    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else root
        items.append(BatchItem(where, f"cannot list folder: {error.strerror or error}"))

    for folder, subfolders, names in os.walk(root, onerror=unreadable, followlinks=False):
        base = Path(folder)
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        # os.walk lists a link to a folder among the folders and does not enter it: say so.
        for name in subfolders:
            if (base / name).is_symlink():
                items.append(BatchItem(base / name, _LINK_IN_FOLDER))
        for name in names:
            if name.startswith(".") or name.endswith(SIDECAR_SUFFIX):
                continue
            path = base / name
            try:
                mode = path.lstat().st_mode
            except OSError as exc:
                items.append(BatchItem(path, f"cannot read: {exc.strerror or exc}"))
                continue
            items.append(BatchItem(path, _refusal_for_mode(mode, followed=False)))
    return sorted(items, key=lambda item: item.path)


def accepted(items: Iterable[BatchItem]) -> Iterator[Path]:
    return (item.path for item in items if item.refusal is None)


_LINK_IN_FOLDER = (
    "symbolic link, not followed inside a folder; name the file it points to to include it"
)


def _refusal_for_mode(mode: int, *, followed: bool) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode) and not followed:
        return _LINK_IN_FOLDER
    if stat.S_ISDIR(mode):
        return "is a folder; use `swordnet works import` for folders"
    return "not a regular file (a pipe, socket or device); copy its content to a file"


def path_for_storage(path: Path) -> str:
    """``path`` made absolute, as text a database can hold and ``path_from_storage`` reverses."""
    absolute = str(path.resolve())
    try:
        absolute.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the name: keep them, percent-encoded
        return _URI_PREFIX + quote_from_bytes(os.fsencode(absolute), safe="/")
    return absolute


def path_from_storage(text: str) -> Path:
    if text.startswith(_URI_PREFIX):
        return Path(os.fsdecode(unquote_to_bytes(text[len(_URI_PREFIX) :])))
    return Path(text)


def readable_name(name: str) -> str:
    """A file name as text for a title: undecodable bytes written ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")
