"""Initial library schema: works and their warnings.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "works",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("words", sa.Integer, nullable=False),
        sa.Column("chapters", sa.Integer, nullable=False),
        sa.Column("rating", sa.String(32)),
        sa.Column("rating_rank", sa.Integer),
        sa.Column("declared_rating", sa.String(64)),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("scanned_at", sa.String(32), nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
    )
    op.create_index("ix_works_content_hash", "works", ["content_hash"], unique=True)
    op.create_index("ix_works_rating", "works", ["rating"])
    op.create_index("ix_works_rating_rank", "works", ["rating_rank"])
    op.create_table(
        "work_warnings",
        sa.Column(
            "work_id", sa.Integer, sa.ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("warning", sa.String(64), primary_key=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
    )
    op.create_index("ix_work_warnings_warning", "work_warnings", ["warning"])


def downgrade() -> None:
    op.drop_table("work_warnings")
    op.drop_table("works")
