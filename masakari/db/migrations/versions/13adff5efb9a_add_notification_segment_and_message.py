"""Add failover_segment_uuid and message to notifications.

Revision ID: 13adff5efb9a
Revises: 8bdf5929c5a6
Create Date: 2025-05-13
"""
import sqlalchemy as sa
from alembic import op

revision = '13adff5efb9a'
down_revision = '8bdf5929c5a6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: rows written before this revision have no segment recorded.
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('failover_segment_uuid', sa.String(36)))
        batch_op.add_column(sa.Column('message', sa.Text))
