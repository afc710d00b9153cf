"""The web benchmark's campaign: regions, 50,000 sites, works, a million detections,
notices, and the people who use them, written with PostgreSQL COPY.

The schema is SwordNet's own (``storage.db.upgrade``). Sizes follow ``Scale``; the
default is the issue's: 1,000,000 detections over 50,000 sites. Sites and works are
drawn with a long tail (a few sites hold many copies, most hold a few), and sites lie in
cities of every province, weighted towards the big ones, so that a provincial officer
sees a realistic part of the country (Guangdong about 15 %, Qinghai well under 1 %).

``ensure_campaign`` generates only when the database does not already hold this scale.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select, text

from swordnet.storage import models
from swordnet.storage.db import upgrade

NOW = datetime(2026, 12, 1, tzinfo=UTC)
DAYS = 180
STATUS_WEIGHTS = {"new": 0.40, "confirmed": 0.35, "dismissed": 0.20, "authorised": 0.05}
NOTICE_STATUS_WEIGHTS = {
    "sent": 0.50,
    "complied": 0.20,
    "partly_complied": 0.10,
    "ignored": 0.05,
    "draft": 0.10,
    "rendered": 0.05,
}
# share of sites per province; the rest is spread evenly over the other provinces
PROVINCE_WEIGHTS = {
    "440000": 0.15,  # Guangdong
    "110000": 0.12,  # Beijing
    "330000": 0.10,  # Zhejiang
    "310000": 0.10,  # Shanghai
    "320000": 0.07,  # Jiangsu
}
CITIES_PER_PROVINCE = 8
MODALITIES = (("text", "text"), ("image", "image"), ("audio", "audio"), ("video", "video"))
CATEGORIES = ("video", "music", "literature", "news", "cloud_storage", "social", "forum")


@dataclass(frozen=True, slots=True)
class Scale:
    detections: int = 1_000_000
    sites: int = 50_000
    works: int = 5_000
    holders: int = 200
    notices: int = 100_000
    segment_share: float = 0.10  # detections with matched segments (two each)

    @classmethod
    def small(cls, detections: int) -> Scale:
        """The same campaign's proportions at ``detections`` rows."""
        return cls(
            detections=detections,
            sites=max(20, detections // 20),
            works=max(20, detections // 200),
            holders=max(5, detections // 5000),
            notices=max(10, detections // 10),
        )


# The people of the load test: (username, role, region or None, membership)
# membership: ("holder", rank) / ("platform", rank) by size, rank 0 the biggest.
PEOPLE: tuple[tuple[str, str, str | None, tuple[str, int] | None], ...] = (
    ("bench_national_1", "officer", "CN", None),
    ("bench_national_2", "officer", "CN", None),
    ("bench_guangdong_1", "officer", "440000", None),
    ("bench_guangdong_2", "officer", "440000", None),
    ("bench_zhejiang", "officer", "330000", None),
    ("bench_beijing", "officer", "110000", None),
    ("bench_shanghai", "officer", "310000", None),
    ("bench_jiangsu", "officer", "320000", None),
    ("bench_sichuan", "officer", "510000", None),
    ("bench_qinghai", "officer", "630000", None),
    ("bench_reviewer_gd", "reviewer", "440000", None),
    ("bench_reviewer_zj", "reviewer", "330000", None),
    ("bench_reviewer_bj", "reviewer", "110000", None),
    ("bench_reviewer_sz", "reviewer", "440300", None),  # a city: Shenzhen
    ("bench_holder_big", "rights_holder", None, ("holder", 0)),
    ("bench_holder_mid", "rights_holder", None, ("holder", 10)),
    ("bench_holder_small", "rights_holder", None, ("holder", -1)),
    ("bench_platform_big", "platform", None, ("platform", 0)),
    ("bench_platform_mid", "platform", None, ("platform", 100)),
    ("bench_platform_small", "platform", None, ("platform", -1)),
)


def _copy(engine: Engine, table: str, columns: Iterable[str], lines: Iterable[str]) -> int:
    """COPY text-format ``lines`` (tab-separated, already escaped) into ``table``."""
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(statement) as copy:  # type: ignore[attr-defined]
            chunk: list[str] = []
            for line in lines:
                chunk.append(line)
                if len(chunk) >= 20_000:
                    copy.write("".join(chunk))
                    count += len(chunk)
                    chunk.clear()
            if chunk:
                copy.write("".join(chunk))
                count += len(chunk)
        raw.commit()
    finally:
        raw.close()
    return count


def _ts(moment: datetime) -> str:
    return moment.isoformat()


def _long_tail(rng: np.random.Generator, size: int, count: int, power: float) -> np.ndarray:
    """``count`` draws from 0..size-1, rank r weighted 1/(r+1)**power."""
    weights = 1.0 / np.arange(1, size + 1) ** power
    return rng.choice(size, size=count, p=weights / weights.sum())


def _cities(provinces: list[str]) -> list[tuple[str, str, int]]:
    """(code, parent, rank) of the generated cities: 440100, 440200, ... per province."""
    return [
        (f"{province[:2]}{n:02d}00", province, n)
        for province in provinces
        for n in range(1, CITIES_PER_PROVINCE + 1)
    ]


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (
                ("detections", models.Detection),
                ("sites", models.Platform),
                ("works", models.Work),
                ("notices", models.Notice),
                ("users", models.User),
            )
        }


def holds(engine: Engine, scale: Scale) -> bool:
    """Does the database hold this scale's campaign already?"""
    try:
        found = counts(engine)
    except Exception:  # no schema yet
        return False
    return (
        found["detections"] == scale.detections
        and found["sites"] == scale.sites
        and found["works"] == scale.works
        and found["notices"] > 0
        and found["users"] >= len(PEOPLE)
    )


def ensure_campaign(engine: Engine, scale: Scale, *, rebuild: bool = False) -> dict[str, float]:
    """Generate the campaign unless the database holds it; the seconds each part took."""
    upgrade(engine)
    if not rebuild and holds(engine, scale):
        return {}
    if not _empty(engine):
        raise SystemExit(
            "the database holds another campaign: give --rebuild (drops and recreates the "
            "bench database) or another --database-url"
        )
    return generate(engine, scale)


def _empty(engine: Engine) -> bool:
    found = counts(engine)
    return all(value == 0 for value in found.values())


def generate(engine: Engine, scale: Scale, seed: int = 20) -> dict[str, float]:  # noqa: PLR0915
    rng = np.random.default_rng(seed)
    timings: dict[str, float] = {}

    def timed(name: str, started: float) -> None:
        timings[name] = time.perf_counter() - started

    started = time.perf_counter()
    with engine.connect() as connection:
        provinces = list(
            connection.scalars(text("SELECT code FROM region WHERE level = 1 ORDER BY code"))
        )
    cities = _cities(provinces)
    _copy(
        engine,
        "region",
        ("code", "parent_code", "name", "name_en", "level", "path"),
        (
            f"{code}\t{parent}\t城市{code}\tCity {code}\t2\tCN/{parent}/{code}/\n"
            for code, parent, _ in cities
        ),
    )
    # agencies: the national bureau, and one copyright bureau per province
    _copy(
        engine,
        "agency",
        ("id", "name", "kind", "region_code", "created_at"),
        [f"1\tNational Copyright Administration\tcopyright\tCN\t{_ts(NOW)}\n"]
        + [
            f"{i}\tCopyright Bureau {code}\tcopyright\t{code}\t{_ts(NOW)}\n"
            for i, code in enumerate(provinces, start=2)
        ],
    )
    timed("regions, agencies", started)

    # sites: province by weight, then a city of it (long tail), one in ten at the province
    started = time.perf_counter()
    rest = (1 - sum(PROVINCE_WEIGHTS.values())) / (len(provinces) - len(PROVINCE_WEIGHTS))
    weights = np.array([PROVINCE_WEIGHTS.get(code, rest) for code in provinces])
    site_province = rng.choice(len(provinces), size=scale.sites, p=weights / weights.sum())
    site_city = _long_tail(rng, CITIES_PER_PROVINCE, scale.sites, 1.0)
    at_province = rng.random(scale.sites) < 0.1
    site_region = [
        provinces[p] if top else f"{provinces[p][:2]}{c + 1:02d}00"
        for p, c, top in zip(site_province, site_city, at_province, strict=True)
    ]
    site_category = rng.choice(len(CATEGORIES), size=scale.sites)
    _copy(
        engine,
        "platform",
        (
            "id",
            "name",
            "domain",
            "category",
            "region_code",
            "key_supervision",
            "status",
            "notice_email",
            "notice_emails",
            "api_access",
            "meta",
            "created_at",
        ),
        (
            f"{i + 1}\tSite {i + 1}\tsite{i + 1}.example\t{CATEGORIES[site_category[i]]}\t"
            f"{site_region[i]}\t{'t' if i < 50 else 'f'}\tactive\tcopyright@site{i + 1}.example"
            f"\t[]\t{'t' if i < 20 else 'f'}\t{{}}\t{_ts(NOW - timedelta(days=400))}\n"
            for i in range(scale.sites)
        ),
    )
    timed("sites", started)

    # rights holders, works (long tail over holders), one reference file per work
    started = time.perf_counter()
    _copy(
        engine,
        "rights_holder",
        ("id", "name", "kind", "email", "agents", "created_at"),
        (
            f"{h + 1}\tHolder {h + 1}\t{'cmo' if h % 50 == 7 else 'rights_holder'}\t"
            f"legal@holder{h + 1}.example\t[]\t{_ts(NOW)}\n"
            for h in range(scale.holders)
        ),
    )
    work_holder = _long_tail(rng, scale.holders, scale.works, 1.0) + 1
    work_modality = rng.choice(len(MODALITIES), size=scale.works, p=[0.4, 0.2, 0.15, 0.25])
    key_work = rng.random(scale.works) < 0.05
    _copy(
        engine,
        "work",
        ("id", "title", "kind", "holder_id", "aliases", "key_work", "meta", "created_at"),
        (
            f"{w + 1}\tWork {w + 1}\t{('book', 'photo', 'music', 'film')[work_modality[w]]}\t"
            f"{work_holder[w]}\t[]\t{'t' if key_work[w] else 'f'}\t{{}}\t{_ts(NOW)}\n"
            for w in range(scale.works)
        ),
    )
    _copy(
        engine,
        "reference_file",
        ("id", "work_id", "path", "modality", "sha256", "size_bytes", "created_at"),
        (
            f"{w + 1}\t{w + 1}\t/catalogue/work-{w + 1}.bin\t{MODALITIES[work_modality[w]][0]}\t"
            f"{hashlib.sha256(str(w).encode()).hexdigest()}\t{100_000 + w}\t{_ts(NOW)}\n"
            for w in range(scale.works)
        ),
    )
    timed("holders, works, references", started)

    # detections: a site (long tail), a work (long tail), a status; captures shared by pairs
    started = time.perf_counter()
    n = scale.detections
    det_site = _long_tail(rng, scale.sites, n, 0.9)
    det_work = _long_tail(rng, scale.works, n, 0.8)
    statuses = list(STATUS_WEIGHTS)
    det_status = rng.choice(len(statuses), size=n, p=list(STATUS_WEIGHTS.values()))
    det_score = np.round(rng.uniform(0.30, 1.0, size=n), 4)
    det_sightings = 1 + rng.geometric(0.5, size=n) - 1
    offsets = np.sort(rng.uniform(0, DAYS * 86400, size=n))
    start = NOW - timedelta(days=DAYS)
    captures = (n + 1) // 2

    def capture_lines() -> Iterator[str]:
        for c in range(captures):
            d = 2 * c
            site = det_site[d] + 1
            moment = _ts(start + timedelta(seconds=float(offsets[d])))
            yield (
                f"{c + 1}\thttps://site{site}.example/v/{d + 1}\tsite{site}.example\tok\t200\t"
                f"text/html\t{20_000 + d % 5000}\t{hashlib.md5(str(d).encode()).hexdigest()}\t"
                f"warc/bench-{c // 10_000:05d}.warc.gz\t{(c % 10_000) * 30_000}\t"
                f"{moment}\n"
            )

    _copy(
        engine,
        "capture",
        (
            "id",
            "url",
            "host",
            "outcome",
            "status_code",
            "media_type",
            "size_bytes",
            "sha256",
            "warc_file",
            "warc_offset",
            "fetched_at",
        ),
        capture_lines(),
    )
    timed("captures", started)
    started = time.perf_counter()

    def detection_lines() -> Iterator[str]:
        for d in range(n):
            site = det_site[d] + 1
            work = det_work[d] + 1
            modality, signal = MODALITIES[work_modality[work - 1]]
            url = f"https://site{site}.example/v/{d + 1}"
            moment = _ts(start + timedelta(seconds=float(offsets[d])))
            yield (
                f"{d + 1}\t{work}\t{work}\t{d // 2 + 1}\t{site}\t{site_region[site - 1]}\t{url}\t"
                f"{hashlib.sha256(url.encode()).hexdigest()}\t{modality}\t{signal}\t"
                f"{det_score[d]}\t{{}}\t{statuses[det_status[d]]}\t{moment}\t{moment}\t"
                f"{det_sightings[d]}\t{'t' if key_work[work - 1] else 'f'}\n"
            )

    _copy(
        engine,
        "detection",
        (
            "id",
            "work_id",
            "reference_id",
            "capture_id",
            "platform_id",
            "region_code",
            "url",
            "url_sha256",
            "modality",
            "signal",
            "score",
            "details",
            "status",
            "detected_at",
            "last_seen_at",
            "sightings",
            "key_work",
        ),
        detection_lines(),
    )
    timed("detections", started)

    started = time.perf_counter()
    with_segments = np.flatnonzero(rng.random(n) < scale.segment_share) + 1
    _copy(
        engine,
        "detection_segment",
        ("detection_id", "unit", "query_start", "query_end", "reference_start", "reference_end"),
        (
            f"{d}\tchars\t[{k * 400}]\t[{k * 400 + 350}]\t[{k * 900}]\t[{k * 900 + 350}]\n"
            for d in with_segments
            for k in (0, 1)
        ),
    )
    timed("segments", started)

    # notices: confirmed detections grouped per site, one to four items a notice
    started = time.perf_counter()
    confirmed = np.flatnonzero(det_status == statuses.index("confirmed"))
    confirmed = confirmed[np.argsort(det_site[confirmed], kind="stable")]
    notice_statuses = list(NOTICE_STATUS_WEIGHTS)
    notice_rows: list[str] = []
    item_rows: list[str] = []
    position = 0
    sizes = rng.integers(1, 5, size=len(confirmed) + 1)
    picks = rng.choice(
        len(notice_statuses), size=len(confirmed) + 1, p=list(NOTICE_STATUS_WEIGHTS.values())
    )
    while position < len(confirmed) and len(notice_rows) < scale.notices:
        notice_id = len(notice_rows) + 1
        site = det_site[confirmed[position]]
        group = [confirmed[position]]
        position += 1
        while (
            len(group) < sizes[notice_id]
            and position < len(confirmed)
            and det_site[confirmed[position]] == site
        ):
            group.append(confirmed[position])
            position += 1
        status = notice_statuses[picks[notice_id]]
        created = start + timedelta(seconds=float(offsets[group[-1]]) + 86400)
        sent = status not in ("draft", "rendered")
        holder = work_holder[det_work[group[0]]]
        notice_rows.append(
            f"{notice_id}\t{hashlib.sha256(str(notice_id).encode()).hexdigest()}\t"
            f"{uuid.UUID(int=notice_id)}\t{site + 1}\t{holder}\t{site_region[site]}\t"
            f"copyright@site{site + 1}.example\tsmtp\tcn-rpnd\tzh\t{status}\t"
            f"Notice {notice_id}\t{_ts(created)}\t"
            f"{_ts(created + timedelta(hours=2)) if sent else chr(92) + 'N'}\t"
            f"{_ts(created + timedelta(days=2)) if sent else chr(92) + 'N'}\n"
        )
        item_status = "removed" if status == "complied" else "pending"
        item_rows.extend(
            f"{notice_id}\t{d + 1}\thttps://site{site + 1}.example/v/{d + 1}\t{item_status}\n"
            for d in group
        )
    _copy(
        engine,
        "notice",
        (
            "id",
            "key",
            "message_id",
            "platform_id",
            "holder_id",
            "region_code",
            "recipient",
            "channel",
            "jurisdiction",
            "language",
            "status",
            "subject",
            "created_at",
            "sent_at",
            "deadline_at",
        ),
        notice_rows,
    )
    _copy(engine, "notice_item", ("notice_id", "detection_id", "url", "status"), item_rows)
    timed("notices", started)

    started = time.perf_counter()
    with engine.begin() as connection:
        for table in (
            "agency",
            "platform",
            "rights_holder",
            "work",
            "reference_file",
            "capture",
            "detection",
            "notice",
        ):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    _people(engine, scale, site_counts=np.bincount(det_site, minlength=scale.sites))
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    timed("people, ANALYZE", started)
    return timings


def _people(engine: Engine, scale: Scale, site_counts: np.ndarray) -> None:
    """The users of the load test, with no password yet (``web`` sets fresh ones per run)."""
    with engine.connect() as connection:
        holders = list(
            connection.scalars(
                text(
                    "SELECT holder_id FROM work GROUP BY holder_id "
                    "ORDER BY count(*) DESC, holder_id"
                )
            )
        )
        agencies = dict(
            connection.execute(text("SELECT region_code, id FROM agency")).tuples().all()
        )
    sites = [int(i) + 1 for i in np.argsort(-site_counts, kind="stable")]
    rows = []
    for user_id, (username, role, region, member) in enumerate(PEOPLE, start=1):
        holder = platform = agency = None
        if member is not None:
            kind, rank = member
            ranked = holders if kind == "holder" else sites
            chosen = ranked[rank if rank < len(ranked) else -1]
            holder, platform = (chosen, None) if kind == "holder" else (None, chosen)
        if region is not None:
            agency = agencies.get(region) or agencies.get(f"{region[:2]}0000")
        rows.append(
            f"{user_id}\t{username}\t{role}\t{_null(holder)}\t{_null(platform)}\t"
            f"{_null(agency)}\t{_null(region)}\tt\t{_ts(NOW)}\t0\n"
        )
    _copy(
        engine,
        "user_account",
        (
            "id",
            "username",
            "role",
            "holder_id",
            "platform_id",
            "agency_id",
            "region_code",
            "active",
            "created_at",
            "failed_logins",
        ),
        rows,
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('user_account', 'id'), "
                "(SELECT max(id) FROM user_account))"
            )
        )


def _null(value: Any) -> str:
    return "\\N" if value is None else str(value)
