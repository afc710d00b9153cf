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
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from swordnet.adapters.warc import WarcLocation

_HOP_HEADERS = {"content-encoding", "transfer-encoding"}  # the body is stored decoded
_GZIP_LEVEL = 6
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True, slots=True)
class EncodedRecord:
    data: bytes  # one gzip member holding one WARC record
    record_id: str
    sha256: str


def encode_response(
    url: str, status: int, headers: dict[str, str], body: bytes, fetched_at: datetime | None = None
) -> EncodedRecord:
    """One WARC/1.0 ``response`` record (HTTP headers and decoded body) as a gzip member.

    warcio builds the record (headers, SHA-1 block digest); the SHA-256 of the payload is
    ours, the evidence a notice cites. The member is compressed here at level 6 rather
    than by warcio's writer at level 9, which cost as much again on large pages.
    """
    digest = hashlib.sha256(body).hexdigest()
    http_headers = StatusAndHeaders(
        f"{status} -",
        [(k, _header_value(v)) for k, v in headers.items() if k not in _HOP_HEADERS],
        protocol="HTTP/1.1",
    )
    plain = io.BytesIO()
    writer = WARCWriter(plain, gzip=False, warc_version="WARC/1.0")
    record = writer.create_warc_record(
        _header_value(url),
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=http_headers,
        warc_headers_dict={
            "WARC-Date": (fetched_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "WARC-Payload-Digest": f"sha256:{digest}",
        },
    )
    writer.write_record(record)
    compressor = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    data = compressor.compress(plain.getvalue()) + compressor.flush()
    return EncodedRecord(data, str(record.rec_headers.get_header("WARC-Record-ID")), digest)


def _header_value(value: str) -> str:
    """A header value safe to write: one line, non-ASCII characters percent-encoded."""
    value = value.replace("\r", " ").replace("\n", " ")
    return value if value.isascii() else _NON_ASCII.sub(lambda m: quote(m.group()), value)


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
