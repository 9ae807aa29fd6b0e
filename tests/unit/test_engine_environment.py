"""The engine's recovery logic reaches the world only through its
environment: the manager and the flow modules import no database, Nova
client, lock, notifier, clock or thread module of their own."""
import ast
import pathlib

import pytest

import masakari

ENGINE = pathlib.Path(masakari.__file__).parent / 'engine'
LOGIC = [ENGINE / 'manager.py', *sorted((ENGINE / 'drivers' / 'taskflow').glob('*.py'))]
WORLD = {'masakari.db', 'masakari.compute', 'masakari.engine.locks',
         'masakari.notifications', 'masakari.rpc', 'time', 'datetime', 'threading',
         'concurrent', 'socket', 'requests', 'openstack', 'keystoneauth1', 'tooz',
         'sqlalchemy', 'oslo_db'}
# Nova's errors as masakari's exceptions: what the flows catch, not a client.
ALLOWED = {'masakari.compute.errors'}


def imported(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(f'{node.module}.{alias.name}' for alias in node.names)
    return names


def reaches_world(name: str) -> bool:
    if any(name == allowed or name.startswith(allowed + '.') for allowed in ALLOWED):
        return False
    return any(name == world or name.startswith(world + '.') for world in WORLD)


@pytest.mark.parametrize('path', LOGIC, ids=[path.name for path in LOGIC])
def test_recovery_logic_imports_nothing_that_reaches_the_world(path):
    assert sorted(name for name in imported(path) if reaches_world(name)) == []


def test_the_check_sees_a_forbidden_import(tmp_path):
    module = tmp_path / 'flow.py'
    module.write_text('import time\nfrom masakari.db import api as db\n'
                      'from masakari.compute import errors\n')
    assert sorted(name for name in imported(module) if reaches_world(name)) == [
        'masakari.db.api', 'time']
