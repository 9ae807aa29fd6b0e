"""masakari-manage input handling that needs no database."""
import datetime

import pytest

from masakari import exception
from masakari.cmd import manage
from masakari.db import migration


@pytest.mark.parametrize('age, max_rows, message', [
    # Checked in this order: max_rows range, age type, max_rows zero, age range.
    ('abc', -2, 'Invalid input received: max_rows must be >= -1'),
    ('abc', 2 ** 31, 'Invalid input received: max_rows must be <= 2147483647'),
    ('abc', 0, 'Invalid value for age, abc'),
    ('1.5', 10, 'Invalid value for age, 1.5'),
    ('-1', 0, 'Must supply value greater than 0 for max_rows.'),
    ('-1', 10, 'Must supply a non-negative value for age.'),
    ('99999', -1, 'Maximal age is count of days since epoch.'),
])
def test_purge_arguments_rejected(age, max_rows, message):
    with pytest.raises(SystemExit) as raised:
        manage.validate_purge_args(age, max_rows)

    assert raised.value.code == message


def test_age_just_below_the_epoch_limit_is_accepted():
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    days = (datetime.datetime.now(datetime.timezone.utc) - epoch).days

    assert manage.validate_purge_args(str(days - 1), -1) == days - 1
    with pytest.raises(SystemExit):
        manage.validate_purge_args(str(days), -1)


@pytest.mark.parametrize('age, max_rows', [('0', 1), ('30', -1), ('7', 2 ** 31 - 1)])
def test_purge_arguments_accepted(age, max_rows):
    assert manage.validate_purge_args(age, max_rows) == int(age)


@pytest.mark.parametrize('version', ['7', '8', '0013'])
def test_db_sync_rejects_sqlalchemy_migrate_versions(version):
    with pytest.raises(exception.InvalidInput,
                       match='sqlalchemy-migrate versions no longer supported'):
        migration.db_sync(version)


def test_no_arguments_prints_usage(monkeypatch, capsys):
    monkeypatch.setattr('sys.argv', ['masakari-manage'])

    assert manage.main() == 2
    out = capsys.readouterr().out
    assert out == (f'\nOpenStack masakari version: {manage.version_string()}\n\n'
                   'masakari-manage category action [<args>]\n'
                   'Available categories:\n\tdb\n\thost\n\tscenario\n\tsegment\n')


def test_autogenerate_ignores_tables_of_others():
    assert not migration.include_object(None, 'logbooks', 'table', True, None)
    assert migration.include_object(None, 'hosts', 'table', True, object())
    assert migration.include_object(None, 'hosts', 'table', False, None)
    assert migration.include_object(None, 'hosts_type_idx', 'index', True, None)
