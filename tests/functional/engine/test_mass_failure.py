"""The mass-failure guard on a real database: the third of four hosts
failing within the window is held (new, with the reason as its message),
left alone by the periodic task, and recovered once an operator runs
``masakari-manage segment release``."""
import datetime

import sqlalchemy as sa

from masakari.db import models
from masakari.engine import mass_failure
from tests.functional.test_manage import run as manage
from tests.functional.test_manage import write_conf
from tests.support import recovery

STOPPED = {'event': 'STOPPED', 'host_status': 'NORMAL', 'cluster_status': 'OFFLINE'}
GUARD = {'host_failure.mass_failure_share': 0.5, 'host_failure.mass_failure_window': 300}


def notify_and_cast(bench, manager, host: str) -> str:
    notification = bench.notify('COMPUTE_HOST', STOPPED, host=host)
    bench.cast(manager, notification)
    return notification


def test_the_third_failure_is_held_until_released(tmp_path):
    hosts = ('h1', 'h2', 'h3', 'h4')
    with recovery.bench(tmp_path, hosts=hosts, failed=('h1', 'h2', 'h3'),
                        config=GUARD) as bench:
        manager = bench.manager()
        for name in ('h1', 'h2', 'h3'):
            bench.add_server(f'i{name[1]}', host=name)
        first, second, third = (notify_and_cast(bench, manager, name)
                                for name in ('h1', 'h2', 'h3'))

        held = bench.notification(third)
        assert [bench.notification(n).status for n in (first, second)] == ['finished'] * 2
        assert held.status == 'new'
        assert held.message.startswith(mass_failure.HELD)
        assert '3 of 4 hosts of segment S failed within 300 s' in held.message
        assert bench.server('i3').host == 'h3'

        bench.clock.advance(3600)
        manager._process_unfinished_notifications(bench.context)
        assert bench.notification(third).status == 'new'
        assert bench.server('i3').host == 'h3'

        url = f'sqlite:///{tmp_path}/masakari.sqlite'
        released = manage('--config-file', write_conf(str(tmp_path), url),
                          'segment', 'release', 'S')
        assert released.returncode == 0, released.stderr
        assert third in released.stdout
        assert bench.notification(third).message == mass_failure.RELEASED

        manager._process_unfinished_notifications(bench.context)
        assert bench.notification(third).status == 'finished'
        assert bench.server('i3').host == 'h4'


def test_failures_older_than_the_window_do_not_count(tmp_path):
    with recovery.bench(tmp_path, hosts=('h1', 'h2', 'h3', 'h4'), failed=('h1', 'h2', 'h3'),
                        config=GUARD) as bench:
        manager = bench.manager()
        for name in ('h1', 'h2'):
            notify_and_cast(bench, manager, name)
        # Both received (and recovered) ten minutes ago: the window counts
        # from receipt, on the database's clock.
        engine = sa.create_engine(f'sqlite:///{tmp_path}/masakari.sqlite')
        with engine.begin() as conn:
            conn.execute(sa.update(models.Notification.__table__).values(
                created_at=models.utcnow_seconds() - datetime.timedelta(seconds=600)))
        engine.dispose()
        third = bench.notify('COMPUTE_HOST', STOPPED, host='h3')
        bench.cast(manager, third)
        assert bench.notification(third).status == 'finished'


def test_release_of_an_unknown_segment(tmp_path):
    with recovery.bench(tmp_path):
        url = f'sqlite:///{tmp_path}/masakari.sqlite'
        result = manage('--config-file', write_conf(str(tmp_path), url),
                        'segment', 'release', 'nope')
    assert result.returncode == 1
    assert 'nope' in result.stderr
