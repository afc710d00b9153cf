"""Evidence capture: every fetched response goes into a WARC file with its SHA-256."""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


@dataclass(frozen=True, slots=True)
class WarcLocation:
    file: str
    offset: int
    record_id: str
    sha256: str


class WarcRecorder:
    """Appends response records to one gzipped WARC file; safe to share between tasks."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handle: BinaryIO = path.open("ab")
        self._writer = WARCWriter(self._handle, gzip=True)
        self._lock = threading.Lock()

    def record_response(
        self,
        url: str,
        status: int,
        headers: dict[str, str],
        body: bytes,
        fetched_at: datetime | None = None,
    ) -> WarcLocation:
        digest = hashlib.sha256(body).hexdigest()
        http_headers = StatusAndHeaders(
            f"{status} -",
            [
                (k, v)
                for k, v in headers.items()
                if k not in {"content-encoding", "transfer-encoding"}
            ],
            protocol="HTTP/1.1",
        )
        warc_headers = {
            "WARC-Date": (fetched_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "WARC-Payload-Digest": f"sha256:{digest}",
        }
        record = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        with self._lock:
            self._handle.seek(0, io.SEEK_END)
            offset = self._handle.tell()
            self._writer.write_record(record)
            self._handle.flush()
        record_id = str(record.rec_headers.get_header("WARC-Record-ID"))
        return WarcLocation(str(self.path), offset, record_id, digest)

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> WarcRecorder:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
