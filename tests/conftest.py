"""Fixtures shared by every ring of tests."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from swordnet.bootstrap import Container, bootstrap
from swordnet.settings import CrawlerSettings, Settings

PG_URL = os.environ.get("SWORDNET_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a fresh data directory; the crawler may reach loopback (tests only)."""
    return Settings(
        home=tmp_path / "home",
        workers=1,
        crawler=CrawlerSettings(allow_networks=["127.0.0.1/32"], max_pages=50),
    )


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    built = bootstrap(settings)
    yield built
    built.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL to a private, throw-away schema on the PostgreSQL test server."""
    engine = create_engine(PG_URL)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        pytest.skip(f"no PostgreSQL server answers at {PG_URL}: {str(exc).splitlines()[0]}")
    schema = f"swordnet_test_{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a fresh SQLite file and on a private PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'swordnet-test.db'}"
    return str(request.getfixturevalue("postgres_url"))


SwordnetCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def swordnet_cli() -> SwordnetCli:
    """``swordnet ARGS`` as a user runs it, on a given data directory and database."""

    def run(home: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SWORDNET_HOME": str(home), "SWORDNET_DATABASE_URL": url}
        return subprocess.run(
            [sys.executable, "-m", "swordnet", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    return run
