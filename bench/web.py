"""Web benchmark: the review queue, a detection page, the notices list and the API on
PostgreSQL holding 1,000,000 detections over 50,000 sites, for 20 concurrent users.

    python bench/web.py                        # the issue's scale (generates once, ~2 min)
    python bench/web.py --seconds 60 --repeat 3
    python bench/web.py --detections 2000 --users 2 --seconds 2   # a quick look

Prints, per page kind: p50/p95/p99 latency and throughput of the scoped queries the
pages run (the services, 20 threads) and of the pages over HTTP (uvicorn, ``--workers``,
20 users signed in with password and TOTP, asyncio httpx clients); the database queries
each page costs; the NDJSON export of 100,000 rows (server memory before and at its
peak, rows/s, first byte); and beside them the baseline measured in the same run: the
same answers got naively (whole queue loaded and sorted in Python, every notice loaded,
OFFSET pages with COUNT(*)), as ratios. Pages whose routes are not in the app yet are
named and skipped. The machine is shared: other processes' load is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _web_load as load
import _web_pages as pages
import _web_queries as queries
from _web_data import PEOPLE, Scale, counts, ensure_campaign
from swordnet.bootstrap import bootstrap
from swordnet.services.access import Principal, allowed, load_principal
from swordnet.settings import Settings
from swordnet.storage.db import make_engine, make_session_factory

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/swordnet_bench"
TARGET_P95_MS = 200.0


def ensure_database(url: str, rebuild: bool) -> None:
    """Create the bench's database if missing; ``rebuild`` drops it first (only a
    database whose name starts with ``swordnet_bench``)."""
    parsed = make_url(url)
    name = parsed.database or ""
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if rebuild and exists:
                if not name.startswith("swordnet_bench"):
                    raise SystemExit(f"--rebuild drops only swordnet_bench* databases, not {name}")
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                exists = None
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _ms(values: list[float]) -> dict[str, float]:
    array = np.array(values) * 1000
    p50, p95, p99 = np.percentile(array, [50, 95, 99])
    return {"p50": p50, "p95": p95, "p99": p99}


def principals(sessions: sessionmaker[Session], users: int) -> list[Principal]:
    with sessions() as session:
        found = [load_principal(session, i, second_factor=True) for i in range(1, len(PEOPLE) + 1)]
    people = [p for p in found if p is not None]
    # a mix of roles even with few users: take them round the roles
    by_role: dict[str, list[Principal]] = {}
    for person in people:
        by_role.setdefault(person.role.value, []).append(person)
    mixed: list[Principal] = []
    while len(mixed) < min(users, len(people)):
        for group in by_role.values():
            if group and len(mixed) < users:
                mixed.append(group.pop(0))
    return mixed


def targets_for(
    sessions: sessionmaker[Session], principal: Principal, rng: random.Random
) -> pages.Targets:
    with sessions() as session:
        ids = queries.visible_detection_ids(session, principal, 200)
        afters = [queries.keyset_after(session, principal, page) for page in (0, 1, 10, 100)]
    return pages.Targets(ids, [a for a in afters if a is not None] + [None])


def service_plan(principal: Principal, targets: pages.Targets, rng: random.Random) -> Any:
    plan: list[tuple[str, Any]] = []
    if allowed(principal, "detections.review"):
        plan.append(("review queue", lambda s: queries.review_page(s, principal)))
    if targets.detection_ids:
        plan.append(
            (
                "detection page",
                lambda s: queries.detection_page(s, principal, rng.choice(targets.detection_ids)),
            )
        )
    if allowed(principal, "notices.read"):
        plan.append(("notices list", lambda s: queries.notices_page(s, principal)))
    plan.append(
        (
            "api detections page",
            lambda s: queries.api_detections_page(s, principal, rng.choice(targets.api_afters)),
        )
    )
    return plan


def print_samples(title: str, samples: load.Samples) -> None:
    print(f"\n{title} (wall {samples.wall:.1f} s)")
    print(f"  {'page':<28}{'n':>7}{'fail':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}")
    for kind in sorted(set(samples.seconds) | set(samples.failures)):
        s = samples.summary(kind)
        if not s["n"]:
            print(
                f"  {kind:<28}{0:>7}{s['failed']:>6}  all failed: "
                f"{samples.first_failure.get(kind, '')[:80]}"
            )
            continue
        flag = "" if s["p95"] < TARGET_P95_MS else "  over 200 ms"
        print(
            f"  {kind:<28}{s['n']:>7}{s['failed']:>6}{s['p50']:>9.1f}{s['p95']:>9.1f}"
            f"{s['p99']:>9.1f}{s['per_s']:>8.1f}{flag}"
        )
        if s["failed"]:
            print(f"    first failure: {samples.first_failure.get(kind, '')[:100]}")


def single_user_comparison(
    sessions: sessionmaker[Session],
    counter: queries.QueryCounter,
    people: list[Principal],
    repeat: int,
    baseline_repeat: int,
) -> None:
    """Each page's query alone, ours against the naive baseline, for a national and a
    provincial officer (the national one sees everything, the worst case for the naive)."""
    officers = [p for p in people if p.role.value == "officer"]
    chosen = [p for p in officers if p.nationwide][:1] + [p for p in officers if not p.nationwide][
        :1
    ]
    print("\nOne user at a time: scoped query vs naive baseline (ms, median of runs)")
    print(
        f"  {'user':<20}{'page':<22}{'ours':>9}{'queries':>8}{'naive':>11}{'queries':>8}"
        f"{'naive/ours':>12}"
    )
    for principal in chosen:
        cases = [
            (
                "review queue",
                lambda s, p=principal: queries.review_page(s, p),
                lambda s, p=principal: queries.naive_review_page(s, p),
            ),
            (
                "notices list",
                lambda s, p=principal: queries.notices_page(s, p),
                lambda s, p=principal: queries.naive_notices_page(sessions, s, p),
            ),
            (
                "api page 1000",
                lambda s, p=principal, a=None: queries.api_detections_page(
                    s, p, queries.keyset_after(s, p, 1000) if a is None else a
                ),
                lambda s, p=principal: queries.naive_api_page(s, p, 1000),
            ),
        ]
        with sessions() as session:
            after = queries.keyset_after(session, principal, 1000)
        cases[2] = (
            "api page 1000",
            lambda s, p=principal, a=after: queries.api_detections_page(s, p, a),
            cases[2][2],
        )
        for name, ours, naive in cases:
            ours_s, ours_q = _time(sessions, counter, ours, repeat)
            naive_s, naive_q = _time(sessions, counter, naive, baseline_repeat)
            print(
                f"  {principal.username:<20}{name:<22}{ours_s * 1000:>9.2f}{ours_q:>8}"
                f"{naive_s * 1000:>11.1f}{naive_q:>8}{naive_s / ours_s:>11.0f}x"
            )


def _time(
    sessions: sessionmaker[Session], counter: queries.QueryCounter, work: Any, repeat: int
) -> tuple[float, int]:
    seconds, statements = [], 0
    for _ in range(repeat):
        with sessions() as session, counter.counting() as seen:
            started = time.perf_counter()
            work(session)
            seconds.append(time.perf_counter() - started)
            statements = seen()
    return float(np.median(seconds)), statements


def count_page_queries(
    app: Any,
    sessions: sessionmaker[Session],
    counter: queries.QueryCounter,
    people: list[Principal],
    targets: dict[str, pages.Targets],
    kinds: list[str],
) -> None:
    """One request per page kind in process, counting the statements it sends."""
    print("\nDatabase queries per page (one request in process, sign-in lookups included)")
    rng = random.Random(1)
    for kind in kinds:
        for principal in people:
            chosen = pages.kinds_for(principal, [kind], targets[principal.username])
            if chosen:
                break
        else:
            print(f"  {kind:<28} no user of the mix may see it")
            continue
        client = pages.signed_in_client(app, sessions, principal.user_id)
        url = pages.url_maker(kind, targets[principal.username], rng)()
        with counter.counting() as seen:
            answer = client.get(url)
        print(
            f"  {kind:<28}{seen():>4} queries  (HTTP {answer.status_code}, as {principal.username})"
        )
        client.close()


def run_http_load(
    args: argparse.Namespace,
    database_url: str,
    home: Path,
    engine: Any,
    sessions: sessionmaker[Session],
    people: list[Principal],
    targets: dict[str, pages.Targets],
    kinds: list[str],
    standin: bool,
    export_url: str,
) -> None:
    people_by_name = {
        person.username: person
        for person in load.prepare_people(sessions, [p.username for p in people])
    }
    with load.serve(database_url, home, args.workers, standin) as (base, pid):

        async def signed_in_runs() -> Any:
            started = time.perf_counter()
            clients = await asyncio.gather(
                *(load.sign_in(base, people_by_name[p.username]) for p in people)
            )
            print(
                f"\n{len(clients)} users signed in over HTTP (password, TOTP where the role "
                f"needs it) in {time.perf_counter() - started:.1f} s; uvicorn {args.workers} "
                "workers"
            )
            rng = random.Random(2)
            plans = []
            for principal, client in zip(people, clients, strict=True):
                mine = pages.kinds_for(principal, kinds, targets[principal.username])
                urls = [(k, pages.url_maker(k, targets[principal.username], rng)) for k in mine]
                plans.append((client, urls))
            for run in range(1, args.repeat + 1 if any(plan for _, plan in plans) else 1):
                cpu_before = cpu_mark(engine, pid)
                samples = await load.run_http(plans, args.seconds, args.think)
                print_samples(
                    f"HTTP pages, {len(plans)} users, "
                    + (f"think time {args.think:g} s, " if args.think else "no think time, ")
                    + f"run {run}/{args.repeat} ({_other_load(cpu_before, engine, pid)})",
                    samples,
                )
            cookies = clients[0].cookies
            for client in clients:
                await client.aclose()
            return cookies

        cookies = asyncio.run(signed_in_runs())
        figures = load.measure_export(base, cookies, export_url, args.export_rows, pid)
        print(
            f"\nNDJSON export {export_url} as {people[0].username}"
            f"{' (stand-in route: api.common.stream_ndjson)' if standin else ''}: "
            f"HTTP {figures.status}, {figures.rows} rows in {figures.seconds:.1f} s = "
            f"{figures.rows / figures.seconds:,.0f} rows/s; first byte after "
            f"{figures.first_byte_s * 1000:.0f} ms"
        )
        print(
            f"  server RSS (uvicorn and its workers) {figures.rss_before_mb:.0f} MB before, "
            f"{figures.rss_peak_mb:.0f} MB at peak: "
            f"+{figures.rss_peak_mb - figures.rss_before_mb:.0f} MB for {figures.rows} rows "
            "(streamed: first byte at "
            f"{100 * figures.first_byte_s / figures.seconds:.1f}% of the time)"
        )


@dataclass
class CpuMark:
    """The machine's CPU times and those of the benchmark's own processes at one moment."""

    machine: Any
    own: dict[int, float]


def _own_pids(engine: Any, server_pid: int | None) -> set[int]:
    """This process, uvicorn and its workers, and the PostgreSQL backends serving the
    bench database: what the benchmark itself runs."""
    pids = {os.getpid()}
    if server_pid is not None:
        try:
            server = psutil.Process(server_pid)
            pids |= {server_pid, *(child.pid for child in server.children(recursive=True))}
        except psutil.Error:
            pass
    with engine.connect() as connection:
        pids |= set(
            connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
        )
    return pids


def _cpu_seconds(pids: set[int]) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        seconds[pid] = times.user + times.system
    return seconds


def cpu_mark(engine: Any, server_pid: int | None = None) -> CpuMark:
    return CpuMark(psutil.cpu_times(), _cpu_seconds(_own_pids(engine, server_pid)))


def _other_load(before: CpuMark, engine: Any, server_pid: int | None = None) -> str:
    """How busy the CPUs were during a run, and how much of that was other people's work
    (the machine is shared): the benchmark's own processes' CPU time subtracted."""
    after = psutil.cpu_times()
    busy = sum(
        getattr(after, f) - getattr(before.machine, f) for f in ("user", "system", "nice", "irq")
    )
    total = max(1e-9, busy + (after.idle - before.machine.idle))
    own_after = _cpu_seconds(_own_pids(engine, server_pid) | set(before.own))
    own = sum(seconds - before.own.get(pid, 0.0) for pid, seconds in own_after.items())
    others = max(0.0, busy - own)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"machine CPU busy {100 * busy / total:.0f}% of {psutil.cpu_count()} cores, "
        f"other processes {100 * others / total:.0f}%; load average {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("SWORDNET_BENCH_PG_URL", DEFAULT_URL)
    )
    parser.add_argument("--detections", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="drop and regenerate the data")
    parser.add_argument("--users", type=int, default=20, help="concurrent users (at most 20)")
    parser.add_argument("--seconds", type=float, default=30, help="duration of each load run")
    parser.add_argument("--repeat", type=int, default=2, help="load runs (the machine is shared)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds a user reads a page before the next request, on average (uniform 0.5x"
        " to 1.5x); 0: each user sends the next request as soon as the answer comes (a stress"
        " test: 20 users then keep both cores busy)",
    )
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument(
        "--baseline-repeat",
        type=int,
        default=1,
        help="runs of each naive query (about a minute each at full scale)",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--home", type=Path, default=Path(tempfile.gettempdir()) / "swordnet-bench-web"
    )
    args = parser.parse_args()

    scale = Scale() if args.detections == 1_000_000 else Scale.small(args.detections)
    ensure_database(args.database_url, args.rebuild)
    engine = make_engine(args.database_url)
    started = time.perf_counter()
    timings = ensure_campaign(engine, scale, rebuild=args.rebuild)
    found = counts(engine)
    print(
        f"database: {found['detections']:,} detections, {found['sites']:,} sites, "
        f"{found['works']:,} works, {found['notices']:,} notices, {found['users']} users "
        + (
            f"(generated in {time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
            + ")"
            if timings
            else "(already there)"
        )
    )
    sessions = make_session_factory(engine)
    counter = queries.QueryCounter(engine)
    people = principals(sessions, args.users)
    rng = random.Random(3)
    targets = {p.username: targets_for(sessions, p, rng) for p in people}
    print(
        "users: "
        + ", ".join(f"{p.username} ({p.role.value})" for p in people)
        + f"; {psutil.cpu_count()} cores"
    )

    if not args.skip_baseline:
        single_user_comparison(sessions, counter, people, 20, args.baseline_repeat)

    plans = [service_plan(p, targets[p.username], random.Random(i)) for i, p in enumerate(people)]
    cpu_before = cpu_mark(engine)
    samples = load.run_services(sessions, plans, args.seconds)
    busy = _other_load(cpu_before, engine)
    print_samples(f"Scoped queries of the pages, {len(plans)} threads ({busy})", samples)

    args.home.mkdir(parents=True, exist_ok=True)
    container = bootstrap(
        Settings(
            home=args.home, database_url=args.database_url, secret_key=secrets.token_urlsafe(32)
        )
    )
    from swordnet.web.app import create_app

    app = create_app(container)
    present, missing = pages.available(app)
    for kind in missing:
        print(f"skipped: {kind} (no route {pages.ROUTES[kind][0]} in the app yet)")
    has_export = pages.has_route(app, pages.EXPORT_ROUTE)
    if not has_export:
        print(f"skipped: the API export (no route {pages.EXPORT_ROUTE} yet): stand-in measured")
    app_counter = queries.QueryCounter(container.engine)
    count_page_queries(app, container.sessions, app_counter, people, targets, present)
    container.close()
    if args.skip_http:
        return
    export_url = (
        f"{pages.EXPORT_ROUTE}?limit={args.export_rows}"
        if has_export
        else f"/bench/export?limit={args.export_rows}"
    )
    run_http_load(
        args,
        args.database_url,
        args.home,
        engine,
        sessions,
        people,
        targets,
        present,
        not has_export,
        export_url,
    )


if __name__ == "__main__":
    main()
