"""Throw-away databases on the local SQLite, MariaDB and PostgreSQL servers.

Each call creates a new, empty database and returns its SQLAlchemy URL; the
database is dropped by ``drop``. When CI=true a server that cannot be reached
fails the test instead of skipping it.
"""
import os
import uuid

import pytest
import sqlalchemy as sa

BACKENDS = ('sqlite', 'mysql', 'postgresql')

_ADMIN_URLS = {
    'mysql': 'mysql+pymysql://root@127.0.0.1:3306/',
    'postgresql': 'postgresql+psycopg2://postgres@127.0.0.1:5432/postgres',
}


def _unavailable(backend: str, error: Exception):
    message = f'{backend} server not reachable: {error}'
    if os.environ.get('CI') == 'true':
        pytest.fail(message)
    pytest.skip(message)


def create(backend: str, tmp_path) -> str:
    if backend == 'sqlite':
        return f'sqlite:///{tmp_path}/masakari-{uuid.uuid4().hex[:8]}.sqlite'
    name = f'masakari_test_{uuid.uuid4().hex[:12]}'
    try:
        engine = sa.create_engine(_ADMIN_URLS[backend],
                                  isolation_level='AUTOCOMMIT')
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE {name}'))
        engine.dispose()
    except sa.exc.OperationalError as error:
        _unavailable(backend, error)
    if backend == 'mysql':
        return f'mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4'
    return f'postgresql+psycopg2://postgres@127.0.0.1:5432/{name}'


def drop(url: str) -> None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == 'sqlite':
        return
    backend = parsed.get_backend_name()
    engine = sa.create_engine(_ADMIN_URLS[backend], isolation_level='AUTOCOMMIT')
    with engine.connect() as conn:
        if backend == 'postgresql':
            conn.execute(sa.text(
                'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                'WHERE datname = :name AND pid <> pg_backend_pid()'),
                {'name': parsed.database})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS {parsed.database}'))
    engine.dispose()
