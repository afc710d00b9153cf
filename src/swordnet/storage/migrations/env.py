"""Alembic environment: the engine comes from SwordNet (``config.attributes``) or a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from swordnet.storage import models
from swordnet.storage.db import make_engine

config = context.config
target_metadata = models.Base.metadata


def run_migrations() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            from swordnet.settings import load_settings

            url = load_settings().resolved_database_url
        engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite alters tables by copying them
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations()
