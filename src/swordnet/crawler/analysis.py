"""The CPU-heavy stage of a crawl, in worker processes: each response is encoded as a WARC
record and analysed (``swordnet.analysis``).

``analyse_batch`` is a top-level function over picklable values so that it runs in a
worker process; the crawl loop keeps fetching meanwhile and hands pages over in batches
(one round trip per batch, the settings sent once per batch). A worker also encodes each
response as a WARC record and makes the links it found canonical, so that the crawl
loop's single thread only fetches and stores.
"""

from __future__ import annotations

from dataclasses import dataclass

from swordnet.analysis import Analysis, ResponseJob, analyse_response, load_plugins
from swordnet.crawler.capture import EncodedRecord, encode_response
from swordnet.domain.errors import ConfigurationError

__all__ = ["Analysed", "AnalysisBatch", "ResponseJob", "analyse_batch"]


@dataclass(frozen=True, slots=True)
class AnalysisBatch:
    settings_json: str
    jobs: list[ResponseJob]


@dataclass(frozen=True, slots=True)
class Analysed:
    """One response after a worker: its evidence record and what it offers."""

    record: EncodedRecord
    analysis: Analysis
    error: str | None = None  # the analysis failed: the page is stored without items


def analyse_batch(batch: AnalysisBatch) -> list[Analysed]:
    """Analyse each response; a page's failure is its own, a worker that cannot set
    itself up fails the whole batch (a crawl that silently finds nothing is worse)."""
    try:
        load_plugins(batch.settings_json)
    except Exception as exc:
        raise ConfigurationError(f"an analysis worker cannot start: {exc}") from exc
    results: list[Analysed] = []
    for job in batch.jobs:
        record = encode_response(job.url, job.status, job.headers, job.body)
        try:
            analysis = analyse_response(job, batch.settings_json)
            results.append(Analysed(record, analysis, "; ".join(analysis.failures) or None))
        except Exception as exc:  # one hostile page must not sink its batch
            results.append(Analysed(record, Analysis(), f"{type(exc).__name__}: {exc}"))
    return results
