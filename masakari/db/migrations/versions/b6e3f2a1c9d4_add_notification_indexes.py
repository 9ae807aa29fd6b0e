"""Index notifications for listing and for the duplicate check.

The API lists notifications ordered by (created_at, id) and, before creating
one, looks for a recent one of the same source host and type; without these
indexes both scan the whole table, which only grows until purged.

Revision ID: b6e3f2a1c9d4
Revises: 13adff5efb9a
Create Date: 2026-08-20
"""
from alembic import op

revision = 'b6e3f2a1c9d4'
down_revision = '13adff5efb9a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('notifications_created_at_idx', 'notifications',
                    ['created_at', 'id'])
    op.create_index('notifications_source_host_idx', 'notifications',
                    ['source_host_uuid', 'type', 'generated_time'])
