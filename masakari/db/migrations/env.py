"""Alembic environment of the masakari schema.

``masakari.db.migration`` runs it with an open connection in
``config.attributes['connection']`` so that legacy detection, stamping and the
upgrade share one transaction.
"""
from alembic import context

from masakari.db import migration
from masakari.db import models

context.configure(
    connection=context.config.attributes['connection'],
    target_metadata=models.Base.metadata,
    version_table=migration.VERSION_TABLE,
    # SQLite can only alter tables by copying them.
    render_as_batch=True,
    include_object=migration.include_object,
)
with context.begin_transaction():
    context.run_migrations()
