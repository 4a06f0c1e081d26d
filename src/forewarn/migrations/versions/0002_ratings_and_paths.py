"""Declared-rating rank (for `find --rating`), the AO3 work id, and an index on path.

`declared_rank` lets `library find --rating teen` leave out works whose author rated
them higher than forewarn's suggestion; `work_ref` keeps the AO3 work id so the same
work downloaded in two formats can be recognised; the path index makes "this file
changed, replace its entry" a lookup instead of a scan. Existing rows are backfilled.

Revision ID: 0002
Revises: 0001
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_RANKS = {
    "general audiences": 0,
    "teen and up audiences": 1,
    "mature": 2,
    "explicit": 3,
}


def upgrade() -> None:
    op.add_column("works", sa.Column("declared_rank", sa.Integer, nullable=True))
    op.add_column("works", sa.Column("work_ref", sa.String(64), nullable=True))
    op.create_index("ix_works_path", "works", ["path"])
    works = sa.table(
        "works",
        sa.column("id", sa.Integer),
        sa.column("declared_rating", sa.String),
        sa.column("declared_rank", sa.Integer),
        sa.column("work_ref", sa.String),
        sa.column("report_json", sa.Text),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(works.c.id, works.c.declared_rating, works.c.report_json)).all()
    for work_id, declared, report_json in rows:
        try:
            ref = json.loads(report_json).get("work", {}).get("work_id")
        except (ValueError, AttributeError):
            ref = None
        bind.execute(
            works.update()
            .where(works.c.id == work_id)
            .values(
                declared_rank=_RANKS.get((declared or "").strip().lower()),
                work_ref=str(ref)[:64] if ref else None,
            )
        )


def downgrade() -> None:
    op.drop_index("ix_works_path", "works")
    with op.batch_alter_table("works") as batch:
        batch.drop_column("work_ref")
        batch.drop_column("declared_rank")
