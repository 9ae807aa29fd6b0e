"""Rows written straight into a masakari database, for tests that need a
segment and hosts but do not exercise their API (and its Nova check)."""
import uuid

import sqlalchemy as sa

from masakari.db import models


def segment_with_hosts(database_url: str, segment_name: str,
                       host_names: list[str]) -> str:
    engine = sa.create_engine(database_url)
    segment_uuid = str(uuid.uuid4())
    now = models.utcnow_seconds()
    with engine.begin() as conn:
        conn.execute(models.FailoverSegment.__table__.insert().values(
            uuid=segment_uuid, name=segment_name, service_type='COMPUTE',
            recovery_method='auto', enabled=True, deleted=0, created_at=now))
        for name in host_names:
            conn.execute(models.Host.__table__.insert().values(
                uuid=str(uuid.uuid4()), name=name, type='COMPUTE',
                control_attributes='SSH', failover_segment_id=segment_uuid,
                reserved=False, on_maintenance=False, deleted=0,
                created_at=now))
    engine.dispose()
    return segment_uuid
