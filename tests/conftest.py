"""Fixtures shared by every ring of tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
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
