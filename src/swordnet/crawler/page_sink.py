"""Where a crawl's settled pages go: the port between the crawl loop and the records.

The crawl engine fetches, has pages analysed and hands them over; what storing them means
(captures, items, detections, frontier states, the audit trail) belongs to the service
layer (``services.crawl_records.CrawlRecorder``), which the engine receives ready-made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from swordnet.analysis import Analysis
from swordnet.crawler import frontier
from swordnet.crawler.capture import EncodedRecord, WarcFile
from swordnet.plugins.fetchers import FetchResult

if TYPE_CHECKING:
    from swordnet.crawler.engine import CrawlReport


@dataclass(frozen=True, slots=True)
class Visited:
    """A settled fetch on its way to the database."""

    entry: frontier.FrontierEntry
    response: FetchResult
    media_type: str
    analysis: Analysis | None
    record: EncodedRecord | None = None  # encoded by a worker; else encoded here
    analysis_error: str | None = None
    body_size: int | None = None  # set when the body was dropped once a worker encoded it

    @property
    def size(self) -> int:
        return self.body_size if self.body_size is not None else len(self.response.body)


class PageSink(Protocol):
    """What the crawl loop and its store thread call; one run per sink."""

    warc: WarcFile | None

    def report_so_far(self) -> CrawlReport: ...

    def write(self, report: CrawlReport, batch: list[Visited]) -> None: ...

    def settle(
        self, report: CrawlReport, entry_id: int, state: str, message: str, refused: bool
    ) -> None: ...

    def record_retry(
        self, entry: frontier.FrontierEntry, delay_s: float, error: str, now: datetime
    ) -> None: ...

    def close_run(self, report: CrawlReport) -> None: ...
