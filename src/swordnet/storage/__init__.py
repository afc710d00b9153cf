"""Persistence: SQLAlchemy models, sessions and migrations (SQLite and PostgreSQL)."""
