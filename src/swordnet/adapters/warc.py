"""Where a captured response lies in the WARC files: the evidence's address."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WarcLocation:
    file: str
    offset: int
    record_id: str
    sha256: str
