"""Replay of a captured page from the WARC evidence, as it was, through pywb's rewriting.

pywb (Webrecorder's replay server, the field's reference) rewrites the archived page so that
its links, images and style sheets point back into the archive. Its own front end is not
used: ``pywb.apps.frontendapp`` calls gevent's ``patch_all()`` on import and reaches its
index server over HTTP on a gevent server, which an asyncio process cannot host. Here
pywb's ``RewriterApp`` calls the index server (a ``BaseWarcServer`` with one collection) in
process, as a plain WSGI call, and a2wsgi runs the whole in a thread pool. ``ReplayIndex``
keeps pywb's CDXJ index of the WARC files up to date, one segment per file.

What is served, and what is not:

- ``/{timestamp}/{url}`` is the rewritten page; ``/{timestamp}id_/{url}`` the bytes as
  captured; resources the page references are requested as ``/{timestamp}im_/...``,
  ``cs_``, ``js_`` and are served when they were captured too (the closest capture in time).
- Nothing is ever fetched live: the index server has no live loader and no live source. A
  URL that was not captured is a 404.
- No script runs: pywb's client-side rewriting (wombat) exists to keep the page's own
  scripts working, and the page's scripts are exactly what must not run. Pages that draw
  themselves with JavaScript replay as their static HTML; the crawl's screenshot shows them
  rendered.
- Every response carries ``REPLAY_CSP`` (no scripts, no forms, no plug-ins, framed only by
  our own pages, sandboxed) and only an allow-list of the archived response's headers:
  a pirate site's ``Set-Cookie`` or ``Content-Disposition`` never reaches the browser.

The caller mounts the app under ``/replay`` and shows pages in ``<iframe sandbox=
"allow-same-origin">`` (no ``allow-scripts``): same origin, so the session cookie goes with
the page's images and the ``allow`` hook can check them; no scripts, so the origin cannot
be used against us.
"""

from __future__ import annotations

import contextvars
import fcntl
import io
import json
import logging
import os
import re
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from a2wsgi import WSGIMiddleware
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder

with warnings.catch_warnings():
    # pywb still imports the standard library's ``cgi`` (deprecated, gone in 3.13 where pywb
    # pulls legacy-cgi in); that is pywb's to fix, and our warnings are errors in the tests.
    warnings.filterwarnings("ignore", "'cgi' is deprecated", DeprecationWarning)
    from pywb.apps.rewriterapp import RewriterApp
    from pywb.apps.wbrequestresponse import WbResponse
    from pywb.indexer.archiveindexer import DefaultRecordParser
    from pywb.indexer.cdxindexer import get_cdx_writer_cls
    from pywb.utils.wbexception import NotFoundException, WbException
    from pywb.warcserver.basewarcserver import BaseWarcServer
    from pywb.warcserver.handlers import ResourceHandler
    from pywb.warcserver.index.aggregator import DirectoryIndexSource
    from pywb.warcserver.resource.responseloader import WARCPathLoader

__all__ = ["REPLAY_CSP", "ReplayApp", "ReplayIndex", "ReplayRecord", "replay_app", "replay_path"]

logger = logging.getLogger(__name__)

Scope = Mapping[str, Any]
WSGIStartResponse = Callable[..., Any]

REPLAY_CSP = (
    "default-src 'none'; script-src 'none'; object-src 'none'; connect-src 'none'; "
    "img-src 'self' data:; media-src 'self' data:; font-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; frame-src 'self'; base-uri 'self'; "
    "form-action 'none'; frame-ancestors 'self'; sandbox allow-same-origin"
)
_SECURITY_HEADERS = [
    ("Content-Security-Policy", REPLAY_CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Cache-Control", "private, no-store"),
]
# Of the archived response's headers, only these reach the browser (pywb renames the others
# X-Archive-Orig-*, which are kept: they are evidence and do nothing in a browser).
_PASSED_HEADERS = {
    "content-type",
    "content-length",
    "content-range",
    "accept-ranges",
    "location",
    "memento-datetime",
    "last-modified",
}
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_COLLECTION = "swordnet"

# The ASGI scope of the request being served, for the ``allow`` hook (a2wsgi runs the WSGI
# call in a copy of this context).
_current_scope: contextvars.ContextVar[Scope] = contextvars.ContextVar("replay_scope")


@dataclass(frozen=True, slots=True)
class ReplayRecord:
    """The WARC record a replay request would be served from.

    ``warc_file`` and ``warc_offset`` are those of the ``capture`` row that stored it
    (``warc_dir / name``, as the crawl wrote it), so the hook can look the capture up.
    """

    url: str
    timestamp: str
    warc_file: str
    warc_offset: int


AllowHook = Callable[[ReplayRecord, Scope], bool]


def replay_path(url: str, fetched_at: datetime, *, raw: bool = False) -> str:
    """The replay path of one capture, relative to where the app is mounted.

    ``/20240501120000/https://example.org/a`` (rewritten) or ``.../20240501120000id_/...``
    (``raw``: the captured bytes). ``fetched_at`` is read as UTC when naive (SQLite returns
    it so); non-ASCII characters are percent-encoded as the crawl wrote them in the WARC.
    """
    moment = fetched_at.replace(tzinfo=UTC) if fetched_at.tzinfo is None else fetched_at
    timestamp = moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    target = _NON_ASCII.sub(lambda m: quote(m.group()), url)
    return f"/{timestamp}{'id_' if raw else ''}/{target}"


def replay_app(
    warc_dir: Path,
    work_dir: Path,
    allow: AllowHook | None = None,
    *,
    refresh_interval: float = 2.0,
) -> ReplayApp:
    """An ASGI app replaying the captures in ``warc_dir``; its index is kept in ``work_dir``.

    ``allow(record, scope)`` is asked for every record before it is served, with the ASGI
    scope of the request (a guard in front can put the user in ``scope["state"]``); a record
    it refuses is skipped as if it had not been captured (the closest allowed capture of the
    URL is served instead, or a 404). Without it, every capture is served.

    New and grown WARC files are indexed at most once every ``refresh_interval`` seconds,
    when a request comes; ``app.index.refresh()`` does it at once.
    """
    index = ReplayIndex(warc_dir, work_dir)
    wsgi = _ReplayWSGI(index, allow, refresh_interval)
    return ReplayApp(index, WSGIMiddleware(wsgi))


class ReplayApp:
    """The ASGI app; ``index`` is its ``ReplayIndex``."""

    def __init__(self, index: ReplayIndex, wsgi: WSGIMiddleware) -> None:
        self.index = index
        self._wsgi = wsgi

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        token = _current_scope.set(scope)
        try:
            await self._wsgi(scope, receive, send)
        finally:
            _current_scope.reset(token)


class _AllowedOnly:
    """pywb's access-checker hook, asking ``allow`` about each candidate record."""

    def __init__(self, allow: AllowHook, warc_dir: Path) -> None:
        self._allow = allow
        self._warc_dir = warc_dir

    def __call__(self, result: tuple[Iterable[Any], Any], acl_user: Any) -> tuple[Any, Any]:
        cdx_iter, errs = result
        return self._filter(cdx_iter), errs

    def _filter(self, cdx_iter: Iterable[Any]) -> Iterator[Any]:
        scope = _current_scope.get({})
        for cdx in cdx_iter:
            record = ReplayRecord(
                url=cdx["url"],
                timestamp=cdx["timestamp"],
                warc_file=str(self._warc_dir / cdx["filename"]),
                warc_offset=int(cdx["offset"]),
            )
            if self._allow(record, scope):
                yield cdx


def _index_server(index: ReplayIndex, allow: AllowHook | None) -> Any:
    """pywb's index and record server for our one collection: WARC files only, no live web."""
    source = DirectoryIndexSource(str(index.segments_dir))
    handler = ResourceHandler(
        source,
        [WARCPathLoader(str(index.warc_dir) + "/", source)],
        access_checker=_AllowedOnly(allow, index.warc_dir) if allow else None,
    )
    server = BaseWarcServer()
    server.add_route("/" + _COLLECTION, handler)
    return server


class _UpstreamResponse:
    """What pywb's ``RewriterApp`` reads of a ``requests`` response from its index server."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: Iterable[bytes]):
        self.status_code = int(status.split(" ", 1)[0])
        self.headers = Headers(headers)
        self.raw = _IterableReader(body)


class _IterableReader(io.RawIOBase):
    def __init__(self, body: Iterable[bytes]) -> None:
        self._body = body
        self._chunks = iter(body)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()
        super().close()


class _InProcessRewriterApp(RewriterApp):  # type: ignore[misc]  # pywb is untyped
    """pywb's rewriter, asking its index server in process instead of over HTTP."""

    def __init__(self, index_server: Any) -> None:
        super().__init__(
            framed_replay=False,  # no top frame, no banner
            config={"use_js_obj_proxy": False, "enable_memento": False, "csp-header": None},
            paths={"replay": f"/{_COLLECTION}/resource/postreq"},
        )
        self._index_server = index_server
        self.head_insert_view = _NoHeadInsert()  # wombat's scripts and the banner: not wanted

    def _do_req(self, inputreq: Any, wb_url: Any, kwargs: Any, skip_record: bool) -> Any:
        body = inputreq.reconstruct_request(wb_url.url)
        params = {
            "url": wb_url.url,
            "closest": "now" if wb_url.is_latest_replay() else wb_url.timestamp,
            "matchType": "exact",
        }
        environ = EnvironBuilder(
            path=f"/{_COLLECTION}/resource/postreq",
            method="POST",
            query_string=urlencode(params),
            headers=dict(inputreq.warcserver_headers),
            content_type="application/request",
            data=body,
        ).get_environ()
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            started[:] = [status, headers]

        result = self._index_server(environ, start_response)
        return _UpstreamResponse(started[0], started[1], result)

    def handle_query(self, environ: Any, wb_url: Any, kwargs: Any, full_prefix: str) -> Any:
        raise NotFoundException(url=wb_url.url)  # no calendar of captures through the replay

    def handle_timemap(self, wb_url: Any, kwargs: Any, full_prefix: str) -> Any:
        raise NotFoundException(url=wb_url.url)

    def _not_found_response(self, environ: Any, url: str) -> Any:
        return WbResponse.text_response("Not captured.\n", status="404 Not Found")

    def _error_response(self, environ: Any, wbe: Any) -> Any:
        return WbResponse.text_response(f"{wbe.status()}\n", status=wbe.status())


class _NoHeadInsert:
    def create_insert_func(self, *args: Any, **kwargs: Any) -> None:
        return None


class _ReplayWSGI:
    def __init__(self, index: ReplayIndex, allow: AllowHook | None, refresh_interval: float):
        self._index = index
        self._rewriter = _InProcessRewriterApp(_index_server(index, allow))
        self._refresh_interval = refresh_interval
        self._refreshed_at = float("-inf")
        self._lock = threading.Lock()

    def __call__(self, environ: Any, start_response: WSGIStartResponse) -> Iterable[bytes]:
        self._refresh_if_due()
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            response = WbResponse.text_response(
                "Method not allowed.\n", status="405 Method Not Allowed"
            )
        else:
            response = self._render(environ)
        body: Iterable[bytes] = response(environ, _safe_headers(start_response))
        return body

    def _render(self, environ: dict[str, Any]) -> Any:
        wb_url = _requested(environ)
        if not wb_url:
            return WbResponse.text_response("Not captured.\n", status="404 Not Found")
        try:
            return self._rewriter.render_content(wb_url, {"type": "replay"}, environ)
        except WbException as error:
            return self._rewriter.handle_error(environ, error)

    def _refresh_if_due(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # another request is indexing: serve what is indexed so far
        try:
            if time.monotonic() - self._refreshed_at >= self._refresh_interval:
                self._index.refresh()
                self._refreshed_at = time.monotonic()
        finally:
            self._lock.release()


def _requested(environ: Mapping[str, Any]) -> str:
    """``{timestamp}{mod}/{url}`` as requested, still percent-encoded, with its query."""
    scope = _current_scope.get({})
    raw_path: bytes | None = scope.get("raw_path")
    if raw_path is None:
        path = environ.get("PATH_INFO", "").encode("latin-1")
    else:
        root = scope.get("root_path", "").encode()
        path = raw_path[len(root) :] if root and raw_path.startswith(root) else raw_path
    wb_url = path.decode("latin-1").lstrip("/")
    query = environ.get("QUERY_STRING")
    return f"{wb_url}?{query}" if wb_url and query else wb_url


def _safe_headers(start_response: WSGIStartResponse) -> WSGIStartResponse:
    def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
        kept = [
            (name, value)
            for name, value in headers
            if name.lower() in _PASSED_HEADERS or name.lower().startswith("x-archive-orig-")
        ]
        return start_response(status, kept + _SECURITY_HEADERS, *exc_info)

    return start


class ReplayIndex:
    """A CDXJ index of the WARC files under ``warc_dir``: one sorted segment per file.

    pywb reads the segments in ``work_dir/segments`` as one index. A file is indexed once;
    a file that grew (the crawl appends to the running one) is indexed from where the last
    pass stopped; one that shrank or changed in place is indexed again; one that is gone
    loses its segment. A record that cannot be read ends its file's pass with a warning:
    the records before it are served, and the pass resumes there when the file changes (a
    record half-written by a running crawl is complete by then). Processes sharing
    ``work_dir`` take turns through a lock file.
    """

    def __init__(self, warc_dir: Path, work_dir: Path) -> None:
        self.warc_dir = warc_dir
        self.segments_dir = work_dir / "segments"
        self.segments_dir.mkdir(parents=True, exist_ok=True)
        self._state_path = work_dir / "state.json"
        self._lock_path = work_dir / "index.lock"

    def refresh(self) -> int:
        """Index what is new in ``warc_dir``; the number of records added."""
        with self._lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self._read_state()
            present = {p.relative_to(self.warc_dir).as_posix(): p for p in self._warc_files()}
            added = 0
            for name in sorted(state.keys() - present.keys()):
                self._segment(name).unlink(missing_ok=True)
                del state[name]
            for name, path in sorted(present.items()):
                stat = path.stat()
                known = state.get(name)
                if known and (known["size"], known["mtime_ns"]) == (stat.st_size, stat.st_mtime_ns):
                    continue
                grown = known is not None and stat.st_size > known["size"]
                start = known["indexed_to"] if known and grown else 0
                lines, indexed_to = self._index_file(path, name, start)
                kept = self._read_segment(name) if start else []
                self._write_segment(name, sorted(kept + lines))
                state[name] = {
                    "size": stat.st_size,
                    "mtime_ns": stat.st_mtime_ns,
                    "indexed_to": indexed_to,
                }
                added += len(lines)
            self._write_state(state)
            return added

    def _warc_files(self) -> Iterator[Path]:
        for path in self.warc_dir.rglob("*"):
            if path.name.endswith((".warc.gz", ".warc")) and path.is_file():
                yield path

    def _index_file(self, path: Path, name: str, start: int) -> tuple[list[str], int]:
        """The CDXJ lines of the records from byte ``start``, and where the last one ends."""
        out = io.BytesIO()
        writer = _CDXJ_WRITER(out)
        entries: list[tuple[int, int, int]] = []  # offset, length, lines written so far
        error: Exception | None = None
        with path.open("rb") as handle:
            handle.seek(start)
            try:
                for entry in DefaultRecordParser(cdxj=True)(handle):
                    if entry.record.format != "warc":  # warcio reads any text as ARC lines
                        raise ValueError(f"not a WARC record at byte {entry['offset']}")
                    writer.write(entry, name)
                    entries.append((int(entry["offset"]), int(entry["length"]), out.tell()))
            except Exception as exc:  # a corrupt record must not stop replay of the others
                error = exc
        if entries and not _record_complete(path, *entries[-1][:2]):
            entries.pop()  # still being written: index it on a later pass
            error = error or EOFError("the last record is incomplete")
        written = entries[-1][2] if entries else 0
        indexed_to = entries[-1][0] + entries[-1][1] if entries else start
        if error is not None:
            logger.warning(
                "replay index: %s: unreadable from byte %d (%s); %d records before it indexed",
                path,
                indexed_to,
                error,
                len(entries),
            )
        lines = out.getvalue()[:written].decode("utf-8").splitlines()
        return lines, indexed_to

    def _segment(self, name: str) -> Path:
        return self.segments_dir / (quote(name, safe="") + ".cdxj")

    def _read_segment(self, name: str) -> list[str]:
        try:
            return self._segment(name).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []

    def _write_segment(self, name: str, lines: list[str]) -> None:
        segment = self._segment(name)
        temporary = segment.with_name(segment.name + ".tmp")  # not *.cdxj: pywb skips it
        temporary.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        os.replace(temporary, segment)

    def _read_state(self) -> dict[str, dict[str, int]]:
        try:
            state: dict[str, dict[str, int]] = json.loads(self._state_path.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return state

    def _write_state(self, state: dict[str, dict[str, int]]) -> None:
        temporary = self._state_path.with_name(self._state_path.name + ".tmp")
        temporary.write_text(json.dumps(state, indent=1, sort_keys=True))
        os.replace(temporary, self._state_path)


_CDXJ_WRITER = get_cdx_writer_cls({"cdxj": True})


def _record_complete(path: Path, offset: int, length: int) -> bool:
    """Whether the record at ``offset`` was written to its end (not cut off mid-write)."""
    with path.open("rb") as handle:
        handle.seek(offset)
        if not path.name.endswith(".gz"):
            handle.seek(offset + length - 4)
            return handle.read(4) == b"\r\n\r\n"
        member = zlib.decompressobj(zlib.MAX_WBITS + 16)
        remaining = length
        try:
            while remaining and not member.eof:
                chunk = handle.read(min(remaining, 1 << 20))
                if not chunk:
                    return False
                remaining -= len(chunk)
                while chunk and not member.eof:
                    member.decompress(chunk, 1 << 20)  # the output is dropped as it comes
                    chunk = member.unconsumed_tail
        except zlib.error:
            return False
        return member.eof
