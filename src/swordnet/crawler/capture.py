"""Evidence capture for the crawl: WARC records built in the workers, appended by the store.

A worker turns a response into one complete gzip member (a WARC ``response`` record with
the SHA-256 of the payload) while it analyses the page, so compressing evidence costs the
crawl loop nothing. The store appends the members to the run's file and flushes the file
to the operating system before the transaction that names their offsets commits: after
``kill -9`` every stored capture points at bytes that are in the file. (A record written
but not committed is left unnamed in the file and the page is captured again on resume.)
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from swordnet.adapters.warc import WarcLocation

_HOP_HEADERS = {"content-encoding", "transfer-encoding"}  # the body is stored decoded


@dataclass(frozen=True, slots=True)
class EncodedRecord:
    data: bytes  # one gzip member holding one WARC record
    record_id: str
    sha256: str


def encode_response(
    url: str, status: int, headers: dict[str, str], body: bytes, fetched_at: datetime | None = None
) -> EncodedRecord:
    digest = hashlib.sha256(body).hexdigest()
    http_headers = StatusAndHeaders(
        f"{status} -",
        [(k, v) for k, v in headers.items() if k not in _HOP_HEADERS],
        protocol="HTTP/1.1",
    )
    warc_headers = {
        "WARC-Date": (fetched_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "WARC-Payload-Digest": f"sha256:{digest}",
    }
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=http_headers,
        warc_headers_dict=warc_headers,
    )
    writer.write_record(record)
    record_id = str(record.rec_headers.get_header("WARC-Record-ID"))
    return EncodedRecord(buffer.getvalue(), record_id, digest)


class WarcFile:
    """The run's ``.warc.gz``, written by one thread (the store's)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._name = str(path)
        self._handle: BinaryIO = path.open("ab", buffering=1 << 20)
        self._handle.seek(0, io.SEEK_END)

    def append(self, record: EncodedRecord) -> WarcLocation:
        offset = self._handle.tell()
        self._handle.write(record.data)
        return WarcLocation(self._name, offset, record.record_id, record.sha256)

    def flush(self) -> None:
        """Hand the buffered records to the operating system (they survive ``kill -9``)."""
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()
