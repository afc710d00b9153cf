"""Crawl throughput: SwordNet end to end against Scrapy (fetch and parse) on one site.

The simulated site (list pages and ~1.5k-character chapters, 10% of them copies of
catalogued works) is served from a separate process on 127.0.0.1. SwordNet fetches,
captures every response into WARC, extracts the main text (trafilatura), fingerprints,
matches and stores; Scrapy only fetches and parses. Both run in the same session with the
same limit of requests in flight (``--concurrency``, overall and per host) and obey
robots.txt; the CPU the site's server spends on each crawler is printed too.

    python bench/crawl.py [--pages 2000] [--workers 2] [--skip-scrapy]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import func, select

from swordnet.bootstrap import bootstrap
from swordnet.crawler.engine import CrawlPolicy
from swordnet.services.catalogue import register_files
from swordnet.services.crawling import crawl
from swordnet.settings import CrawlerSettings, Settings
from swordnet.simweb.benchsite import build_bench_world
from swordnet.simweb.server import SimWeb
from swordnet.storage import models

HERE = Path(__file__).resolve().parent


def _serve(pages: int, pipe: Connection) -> None:
    world = build_bench_world(pages)
    with SimWeb([world.site]) as web:
        pipe.send(web.base_urls["bench"])
        pipe.recv()  # until the parent says stop


def run_swordnet(
    base: str, pages: int, workers: int, home: Path, concurrency: int = 16
) -> dict[str, float]:
    world = build_bench_world(pages)
    settings = Settings(
        home=home,
        workers=workers,
        crawler=CrawlerSettings(allow_networks=["127.0.0.1/32"], per_host_concurrency=32),
    )
    container = bootstrap(settings)
    catalogue = home / "catalogue"
    catalogue.mkdir(parents=True)
    for name, text in world.catalogue.items():
        (catalogue / name).write_text(text, encoding="utf-8")
    register_files(container, sorted(catalogue.iterdir()))
    policy = CrawlPolicy(
        max_pages=pages * 2,
        max_depth=10_000,
        concurrency=concurrency,
        per_host_concurrency=concurrency,
    )
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = time.process_time()
    started = time.perf_counter()
    report = crawl(container, [base + "/"], policy)
    elapsed = time.perf_counter() - started
    main_cpu = time.process_time() - cpu_before
    container.close()  # stops the worker pool, so that its CPU time is counted below
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (children.ru_utime + children.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    with container.sessions() as session:
        found = {
            url.removeprefix(base)
            for url in session.scalars(select(models.Detection.url).distinct())
        }
        captures = session.scalar(select(func.count()).select_from(models.Capture)) or 0
    planted = set(world.planted)
    return {
        "pages": report.pages,
        "seconds": elapsed,
        "pages_per_s": report.pages / elapsed,
        "captures": captures,
        "planted": len(planted),
        "found": len(found & planted),
        "false": len(found - planted),
        "main_cpu_s": main_cpu,
        "worker_cpu_s": worker_cpu,
        **{f"{stage}_s": seconds for stage, seconds in report.stage_seconds.items()},
    }


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_scrapy(base: str, concurrency: int) -> dict[str, float]:
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(HERE / "_crawl_scrapy_spider.py"),
        "-a",
        f"start_url={base}/",
        "-s",
        "LOG_LEVEL=ERROR",
        "-s",
        f"CONCURRENT_REQUESTS={concurrency}",
        "-s",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
        "-s",
        "ROBOTSTXT_OBEY=True",
        "-s",
        "TELNETCONSOLE_ENABLED=False",
        "-s",
        "DEPTH_LIMIT=0",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"scrapy failed: {result.stderr[-2000:]}")
    figures = json.loads(lines[-1])
    figures["pages_per_s"] = figures["pages"] / figures["seconds"]
    figures["cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return dict(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="chapter pages on the site")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--concurrency", type=int, default=32, help="requests in flight (both crawlers)"
    )
    parser.add_argument("--skip-scrapy", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("fork").Process(
        target=_serve, args=(args.pages, child), daemon=True
    )
    server.start()
    base = parent.recv()
    server_cpu: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory() as home:
            before = _process_cpu_s(server.pid or 0)
            ours = run_swordnet(
                base, args.pages, args.workers, Path(home) / "home", args.concurrency
            )
            server_cpu["ours"] = _process_cpu_s(server.pid or 0) - before
        theirs = None
        if not args.skip_scrapy:
            before = _process_cpu_s(server.pid or 0)
            theirs = run_scrapy(base, args.concurrency)
            server_cpu["theirs"] = _process_cpu_s(server.pid or 0) - before
    finally:
        parent.send("stop")
        server.join(10)

    print(
        f"site: {args.pages} chapters + list pages on {base}; {args.workers} worker processes; "
        f"{os.cpu_count()} cores; {args.concurrency} requests in flight"
    )
    print(
        f"SwordNet end to end : {ours['pages']:.0f} pages in {ours['seconds']:.1f} s = "
        f"{ours['pages_per_s']:.1f} pages/s; copies found "
        f"{ours['found']:.0f}/{ours['planted']:.0f}, false {ours['false']:.0f}"
    )
    per_page = (ours["main_cpu_s"] + ours["worker_cpu_s"]) / ours["pages"] * 1000
    print(
        f"  CPU: main {ours['main_cpu_s']:.1f} s + workers {ours['worker_cpu_s']:.1f} s = "
        f"{per_page:.1f} ms per page; summed stage latencies (overlapping): "
        + ", ".join(
            f"{k[:-2]} {v:.1f} s"
            for k, v in ours.items()
            if k in {"fetch_s", "analyse_s", "store_s"}
        )
    )
    print(
        f"  main process CPU split: store thread {ours.get('store_cpu_s', 0.0):.1f} s, "
        f"crawl loop and the rest {ours['main_cpu_s'] - ours.get('store_cpu_s', 0.0):.1f} s"
    )
    print(f"  site server CPU: {server_cpu['ours'] / ours['pages'] * 1000:.2f} ms per page")
    if theirs is not None:
        theirs_per_page = theirs["cpu_s"] / theirs["pages"] * 1000
        print(
            f"Scrapy fetch+parse  : {theirs['pages']:.0f} pages in {theirs['seconds']:.1f} s = "
            f"{theirs['pages_per_s']:.1f} pages/s; CPU {theirs['cpu_s']:.1f} s = "
            f"{theirs_per_page:.1f} ms per page (start-up included)"
        )
        print(f"  site server CPU: {server_cpu['theirs'] / theirs['pages'] * 1000:.2f} ms per page")
        print(
            f"ratio SwordNet / Scrapy: {ours['pages_per_s'] / theirs['pages_per_s']:.2f}x pages/s, "
            f"{per_page / theirs_per_page:.2f}x CPU per page"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the bench process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
