"""indexes for the pages' lists: the review queue, notices per party

The review queue is new detections, best score first, keyset on (score, sightings, id):
with (status, score DESC, sightings DESC, id DESC) a national officer's page of 50 reads 50 index entries
instead of sorting every new detection (about 400,000 in the web benchmark: 160 ms to
0.2 ms), and a provincial officer's reads a few hundred, filtering on the region as it
goes. A small region (a city, a remote province) is better served by
(status, region_code, score DESC, id DESC): its new detections read directly, then
sorted. Notices are listed newest first per platform, rights holder or region:
(column, id DESC) reads a page in order instead of walking every notice backwards. The
queue by date, the replay's check of a capture by its WARC address and a detection's
decision history (audit events of one entity) get an index each.
Measured by ``bench/web.py``; see docs/benchmarks.md.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = (
    (
        "ix_detection_status_score_id",
        "detection",
        ("status", "score DESC", "sightings DESC", "id DESC"),
    ),
    (
        "ix_detection_status_region_code_score_id",
        "detection",
        ("status", "region_code", "score DESC", "sightings DESC", "id DESC"),
    ),
    ("ix_detection_status_detected_at_id", "detection", ("status", "detected_at DESC", "id DESC")),
    ("ix_capture_warc_file_offset", "capture", ("warc_file", "warc_offset")),
    ("ix_audit_event_entity_id_seq", "audit_event", ("entity", "entity_id", "seq")),
    ("ix_notice_platform_id_id", "notice", ("platform_id", "id DESC")),
    ("ix_notice_holder_id_id", "notice", ("holder_id", "id DESC")),
    ("ix_notice_region_code_id", "notice", ("region_code", "id DESC")),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, [sa.text(column) for column in columns])


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
