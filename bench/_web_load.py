"""Load for the web benchmark: the people signed in, users in a loop for a fixed time.

``serve`` runs uvicorn (``--workers``) on a loopback port in its own process group;
``sign_in`` goes through the real pages (password, then the TOTP code); ``run_http``
runs one asyncio task per user, each requesting its role's pages one after another;
``run_services`` does the same with the services' queries in threads, without HTTP;
``measure_export`` reads an NDJSON stream while sampling the server's memory.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil
import pyotp
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from swordnet.domain.policy import SECOND_FACTOR_ROLES
from swordnet.services import accounts
from swordnet.storage import models

HERE = Path(__file__).resolve().parent
CSRF = re.compile(r'name="csrf-token" content="([^"]*)"')


@dataclass
class Person:
    username: str
    role: str
    user_id: int
    password: str
    totp_secret: str | None


@dataclass
class Samples:
    """Latencies (seconds) and failures per page kind."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_failure: dict[str, str] = field(default_factory=dict)
    wall: float = 0.0

    def add(self, kind: str, seconds: float, ok: bool, why: str = "") -> None:
        if ok:
            self.seconds[kind].append(seconds)
        else:
            self.failures[kind] += 1
            self.first_failure.setdefault(kind, why)

    def summary(self, kind: str) -> dict[str, float]:
        values = np.array(self.seconds.get(kind, []))
        if not len(values):
            return {"n": 0, "failed": self.failures.get(kind, 0)}
        p50, p95, p99 = np.percentile(values, [50, 95, 99]) * 1000
        return {
            "n": len(values),
            "failed": self.failures.get(kind, 0),
            "p50": p50,
            "p95": p95,
            "p99": p99,
            "per_s": len(values) / self.wall if self.wall else float("nan"),
        }


def prepare_people(sessions: sessionmaker[Session], usernames: list[str]) -> list[Person]:
    """Fresh passwords and TOTP secrets for these users of the bench, for this run only."""
    people = []
    with sessions() as session, session.begin():
        users = session.scalars(
            select(models.User).where(models.User.username.in_(usernames))
        ).all()
        for user in sorted(users, key=lambda u: u.id):
            password = secrets.token_urlsafe(15)
            secret = pyotp.random_base32() if user.role in SECOND_FACTOR_ROLES else None
            people.append(Person(user.username, user.role.value, user.id, password, secret))
            session.execute(
                update(models.User)
                .where(models.User.id == user.id)
                .values(
                    password_hash=accounts.hash_password(password),
                    totp_secret=secret,
                    totp_enabled_at=datetime.now(UTC) if secret else None,
                    totp_last_step=None,
                    failed_logins=0,
                    locked_until=None,
                )
            )
    return people


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(database_url: str, home: Path, workers: int, standin: bool) -> Iterator[tuple[str, int]]:
    """uvicorn serving the app; yields (base URL, pid of uvicorn's main process)."""
    port = _free_port()
    env = {
        **os.environ,
        "SWORDNET_DATABASE_URL": database_url,
        "SWORDNET_HOME": str(home),
        "SWORDNET_SECRET_KEY": secrets.token_urlsafe(32),
        "SWORDNET_BENCH_STANDIN": "1" if standin else "0",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "_web_serve:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"uvicorn exited with status {process.returncode}")
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("uvicorn did not answer within 60 s")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def server_rss_mb(pid: int) -> float:
    """Resident memory of uvicorn and its workers, MB."""
    try:
        parent = psutil.Process(pid)
        processes = [parent, *parent.children(recursive=True)]
        return sum(p.memory_info().rss for p in processes) / 2**20
    except psutil.Error:
        return float("nan")


async def sign_in(base: str, person: Person) -> httpx.AsyncClient:
    """A client signed in through the pages, second factor done where the role needs it."""
    client = httpx.AsyncClient(base_url=base, timeout=60)
    page = await client.get("/login")
    token = CSRF.search(page.text)
    answer = await client.post(
        "/login",
        data={
            "username": person.username,
            "password": person.password,
            "next": "/",
            "csrf_token": token.group(1) if token else "",
        },
    )
    if answer.status_code != 303:
        raise SystemExit(f"{person.username} could not sign in: {answer.status_code}")
    if answer.headers["location"].startswith("/auth/totp"):
        assert person.totp_secret is not None
        page = await client.get(answer.headers["location"])
        token = CSRF.search(page.text)
        code = pyotp.TOTP(person.totp_secret).now()
        checked = await client.post(
            "/auth/totp",
            data={"code": code, "next": "/", "csrf_token": token.group(1) if token else ""},
        )
        if checked.status_code != 303:
            raise SystemExit(f"{person.username}: the TOTP code was refused")
    return client


# A user's plan: (kind, a function giving the next URL to request)
Plan = list[tuple[str, Callable[[], str]]]


async def _user_loop(
    client: httpx.AsyncClient,
    plan: Plan,
    samples: Samples,
    until: float,
    offset: int,
    think: float = 0.0,
) -> None:
    pause = random.Random(offset)
    step = offset
    while time.perf_counter() < until:
        kind, url = plan[step % len(plan)]
        step += 1
        started = time.perf_counter()
        try:
            answer = await client.get(url())
            await answer.aread()
            ok = answer.status_code == 200
            why = f"HTTP {answer.status_code}"
        except httpx.HTTPError as exc:
            ok, why = False, repr(exc)
        samples.add(kind, time.perf_counter() - started, ok, why)
        if think:  # a person reads the page before the next click: 0.5 to 1.5 x think
            await asyncio.sleep(pause.uniform(0.5 * think, 1.5 * think))


async def run_http(
    clients: list[tuple[httpx.AsyncClient, Plan]], seconds: float, think: float = 0.0
) -> Samples:
    samples = Samples()
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(
            _user_loop(client, plan, samples, until, offset, think)
            for offset, (client, plan) in enumerate(clients)
            if plan
        )
    )
    samples.wall = time.perf_counter() - started
    return samples


# A service-level plan: (kind, a function doing the work in a session)
ServicePlan = list[tuple[str, Callable[[Session], Any]]]


def run_services(
    sessions: sessionmaker[Session], plans: list[ServicePlan], seconds: float
) -> Samples:
    """One thread per user, each running its plan's queries in turn until time is up."""
    samples = Samples()
    lock = threading.Lock()
    started = time.perf_counter()
    until = started + seconds

    def loop(plan: ServicePlan, offset: int) -> None:
        step = offset
        while time.perf_counter() < until:
            kind, work = plan[step % len(plan)]
            step += 1
            begun = time.perf_counter()
            try:
                with sessions() as session:
                    work(session)
                ok, why = True, ""
            except Exception as exc:  # reported, not raised: the run goes on
                ok, why = False, repr(exc)
            with lock:
                samples.add(kind, time.perf_counter() - begun, ok, why)

    threads = [
        threading.Thread(target=loop, args=(plan, i), daemon=True)
        for i, plan in enumerate(plans)
        if plan
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    samples.wall = time.perf_counter() - started
    return samples


@dataclass
class ExportFigures:
    rows: int
    seconds: float
    first_byte_s: float
    rss_before_mb: float
    rss_peak_mb: float
    status: int


def measure_export(
    base: str, cookies: httpx.Cookies, url: str, rows: int, server_pid: int
) -> ExportFigures:
    """Read ``rows`` lines of an NDJSON stream, sampling the server's memory meanwhile."""
    before = server_rss_mb(server_pid)
    peak = before
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, server_rss_mb(server_pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    count, first = 0, float("nan")
    started = time.perf_counter()
    status = 0
    try:
        with (
            httpx.Client(base_url=base, cookies=cookies, timeout=600) as client,
            client.stream("GET", url) as answer,
        ):
            status = answer.status_code
            for line in answer.iter_lines():
                if count == 0:
                    first = time.perf_counter() - started
                if line:
                    count += 1
                if count >= rows:
                    break
    finally:
        elapsed = time.perf_counter() - started
        stop.set()
        sampler.join()
    return ExportFigures(count, elapsed, first, before, peak, status)
