"""detection.key_work: the review queue's key-work tier served by an index

The queue reads new detections in tiers (pre-warned works, key works, the rest), each by
score, sightings and id. The key-work flag lived only on ``work``, so a tier's condition
was ``work_id IN (the key works)``, checked row by row while walking the
(status, score, sightings, id) index: a provincial officer of a small province read
70,000 index entries for a page of key-work copies (78 to 200 ms in the web benchmark).
Copied onto the detection (a work is flagged when it is registered, never later), the
flag joins the index: (status, key_work, score DESC, sightings DESC, id DESC) and the same
per region; a tier is one index range. Measured by ``bench/web.py``; see
docs/benchmarks.md.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD = (
    (
        "ix_detection_status_score_id",
        ("status", "score DESC", "sightings DESC", "id DESC"),
    ),
    (
        "ix_detection_status_region_code_score_id",
        ("status", "region_code", "score DESC", "sightings DESC", "id DESC"),
    ),
)
NEW = (
    (
        "ix_detection_status_key_work_score_id",
        ("status", "key_work", "score DESC", "sightings DESC", "id DESC"),
    ),
    (
        "ix_detection_status_region_code_key_work_score_id",
        ("status", "region_code", "key_work", "score DESC", "sightings DESC", "id DESC"),
    ),
)


def upgrade() -> None:
    with op.batch_alter_table("detection") as batch:
        batch.add_column(
            sa.Column("key_work", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE detection SET key_work = "
        "(SELECT work.key_work FROM work WHERE work.id = detection.work_id) "
        "WHERE work_id IN (SELECT id FROM work WHERE key_work)"
    )
    for name, _columns in OLD:
        op.drop_index(name, table_name="detection")
    for name, columns in NEW:
        op.create_index(name, "detection", [sa.text(column) for column in columns])


def downgrade() -> None:
    for name, _columns in NEW:
        op.drop_index(name, table_name="detection")
    with op.batch_alter_table("detection") as batch:
        batch.drop_column("key_work")
    for name, columns in OLD:
        op.create_index(name, "detection", [sa.text(column) for column in columns])
