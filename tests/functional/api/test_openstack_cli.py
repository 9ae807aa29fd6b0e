"""The real ``openstack`` CLI (python-masakariclient's OSC plugin) against a
running masakari-api with the keystone pipeline and a real Keystone.

One server on one SQLite database serves the whole module; every test uses
its own names, service types and hosts so the tests do not see each other's
rows. The CLI finds masakari through the ``instance-ha`` endpoint that the
``keystone`` fixture registers on ``masakari_api_port``.
"""
import json
import re
import uuid

import pytest
import sqlalchemy as sa

from masakari.db import models
from tests.support import api_server
from tests.support import nova
from tests.support import seed
from tests.support.openstack_cli import CLI

TIMESTAMP = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$')
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')


class Deployment:
    def __init__(self, cli: CLI, database_url: str):
        self.cli, self.database_url = cli, database_url

    def _execute(self, statement, fetch):
        engine = sa.create_engine(self.database_url)
        try:
            with engine.begin() as conn:
                return fetch(conn.execute(statement))
        finally:
            engine.dispose()

    def host(self, name: str):
        table = models.Host.__table__
        return self._execute(sa.select(table.c.id, table.c.uuid).where(
            table.c.name == name, table.c.deleted == 0), sa.Result.one)

    def notification_id(self, notification_uuid: str) -> int:
        table = models.Notification.__table__
        return self._execute(sa.select(table.c.id).where(
            table.c.notification_uuid == notification_uuid), sa.Result.scalar_one)

    def vmove(self, notification_uuid: str, **values) -> tuple[int, dict]:
        """Stores a vmove as the engine would during host recovery."""
        row = dict(uuid=str(uuid.uuid4()), notification_uuid=notification_uuid,
                   instance_uuid=str(uuid.uuid4()), type='evacuation',
                   deleted=0, created_at=models.utcnow_seconds(), **values)
        vmove_id = self._execute(models.VMove.__table__.insert().values(**row),
                                 lambda result: result.inserted_primary_key[0])
        return vmove_id, row


@pytest.fixture(scope='module')
def nova_cloud():
    # host create asks Nova whether a nova-compute runs on the host.
    with nova.running(hosts=['cli-hx', 'cli-hy', 'cli-hz']) as sim:
        yield sim


@pytest.fixture(scope='module')
def deployment(keystone, masakari_api_port, nova_cloud, tmp_path_factory):
    work = tmp_path_factory.mktemp('openstack-cli')
    database_url = f'sqlite:///{work}/masakari.sqlite'
    extra = '[keystone_authtoken]\n' + ''.join(
        f'{key} = {value}\n' for key, value in keystone.authtoken_options().items())
    config = api_server.write_config(
        work / 'masakari.conf', database_url, masakari_api_port,
        extra=extra + nova.masakari_options(nova_cloud), auth_strategy='keystone')
    api_server.db_sync(config)
    server = api_server.APIServer(config, masakari_api_port, work / 'api.log').start()
    yield Deployment(CLI(keystone.auth_url, work), database_url)
    server.stop()


def _segment_row(shown: dict) -> dict:
    """What ``segment list`` shows of a segment that ``segment show`` printed."""
    return {key: shown[key] for key in ('uuid', 'name', 'description', 'service_type',
                                        'recovery_method', 'is_enabled')}


def test_segment_commands(deployment):
    cli = deployment.cli
    a = cli.json('segment', 'create', 'cli-seg-a', 'auto', 'CLISEG',
                 '--description', 'first segment')
    assert UUID.match(a['uuid']) and isinstance(a['id'], int)
    assert TIMESTAMP.match(a['created_at'])
    assert {k: v for k, v in a.items() if k not in ('uuid', 'id', 'created_at')} == {
        'updated_at': None, 'name': 'cli-seg-a', 'description': 'first segment',
        'service_type': 'CLISEG', 'recovery_method': 'auto', 'is_enabled': True}
    b = cli.json('segment', 'create', 'cli-seg-b', 'reserved_host', 'CLISEG',
                 '--is_enabled', 'False')
    assert (b['is_enabled'], b['description'], b['recovery_method']) == (
        False, None, 'reserved_host')
    c = cli.json('segment', 'create', 'cli-seg-c', 'auto_priority', 'CLISEG')

    # The SDK pages on with marker=<last id> while pages are full, so the
    # output holds every row; the pages show that the server applied limit.
    rows, pages = cli.listing('segments', 'segment', 'list', '--limit', '2',
                              '--sort', 'name:asc', '--filters', 'service_type=CLISEG')
    assert rows == [_segment_row(s) for s in (a, b, c)]
    assert pages == [('2', None, 2), ('2', str(b['id']), 1), ('2', str(c['id']), 0)]

    rows = cli.json('segment', 'list', '--sort', 'id:asc', '--marker', str(a['id']),
                    '--filters', 'service_type=CLISEG')
    assert [row['name'] for row in rows] == ['cli-seg-b', 'cli-seg-c']
    rows = cli.json('segment', 'list',
                    '--filters', 'recovery_method=reserved_host;service_type=CLISEG')
    assert rows == [_segment_row(b)]

    # By name: the CLI lists segments and picks the uuid of the one named so.
    assert cli.json('segment', 'show', 'cli-seg-b') == b
    updated = cli.json('segment', 'update', 'cli-seg-b', '--is_enabled', 'True',
                       '--name', 'cli-seg-b2', '--description', 'now enabled')
    assert TIMESTAMP.match(updated['updated_at'])
    assert updated == dict(b, name='cli-seg-b2', description='now enabled',
                           is_enabled=True, updated_at=updated['updated_at'])
    # is_enabled back to false through the same (boolean) request field
    assert cli.json('segment', 'update', b['uuid'],
                    '--is_enabled', 'false')['is_enabled'] is False

    result = cli.run('segment', 'delete', 'cli-seg-a', c['uuid'])
    # delete prints errors instead of failing, so the list below is the check
    assert (result.returncode, result.stdout.splitlines()) == (0, [
        'Segment deleted: cli-seg-a', f'Segment deleted: {c["uuid"]}'])
    rows = cli.json('segment', 'list', '--filters', 'service_type=CLISEG')
    assert [row['uuid'] for row in rows] == [b['uuid']]


def test_segment_host_commands(deployment):
    cli = deployment.cli
    segment_uuid = seed.segment_with_hosts(deployment.database_url, 'cli-host-seg', [])

    hx = cli.json('segment', 'host', 'create', 'cli-hx', 'COMPUTE', 'SSH', 'cli-host-seg',
                  '--reserved', 'True', '--on_maintenance', 'False')
    assert UUID.match(hx['uuid']) and TIMESTAMP.match(hx['created_at'])
    assert {k: v for k, v in hx.items() if k not in ('uuid', 'created_at')} == {
        'updated_at': None, 'name': 'cli-hx', 'type': 'COMPUTE',
        'control_attributes': 'SSH', 'reserved': True, 'on_maintenance': False,
        'failover_segment_id': segment_uuid}
    hy = cli.json('segment', 'host', 'create', 'cli-hy', 'COMPUTE', 'IPMI', segment_uuid)
    assert (hy['reserved'], hy['on_maintenance'], hy['control_attributes']) == (
        False, False, 'IPMI')
    hz = cli.json('segment', 'host', 'create', 'cli-hz', 'XEN', 'SSH', 'cli-host-seg',
                  '--on_maintenance', 'True')
    assert (hz['reserved'], hz['on_maintenance'], hz['type']) == (False, True, 'XEN')

    rows, pages = cli.listing('hosts', 'segment', 'host', 'list', 'cli-host-seg',
                              '--limit', '2', '--sort', 'name:asc')
    # list rows are show output without the timestamps
    assert rows == [{k: v for k, v in h.items() if not k.endswith('_at')}
                    for h in (hx, hy, hz)]
    hy_id, hz_id = deployment.host('cli-hy').id, deployment.host('cli-hz').id
    assert pages == [('2', None, 2), ('2', str(hy_id), 1), ('2', str(hz_id), 0)]

    rows = cli.json('segment', 'host', 'list', 'cli-host-seg', '--sort', 'id:asc',
                    '--marker', str(deployment.host('cli-hx').id))
    assert [row['name'] for row in rows] == ['cli-hy', 'cli-hz']
    rows = cli.json('segment', 'host', 'list', 'cli-host-seg',
                    '--filters', 'type=COMPUTE;reserved=False')
    assert [row['uuid'] for row in rows] == [hy['uuid']]

    assert cli.json('segment', 'host', 'show', 'cli-host-seg', 'cli-hz') == hz
    updated = cli.json('segment', 'host', 'update', 'cli-host-seg', 'cli-hz',
                       '--on_maintenance', 'False', '--reserved', 'True',
                       '--type', 'KVM', '--control_attributes', 'IPMI')
    assert TIMESTAMP.match(updated['updated_at'])
    assert updated == dict(hz, on_maintenance=False, reserved=True, type='KVM',
                           control_attributes='IPMI', updated_at=updated['updated_at'])

    result = cli.run('segment', 'host', 'delete', 'cli-host-seg', 'cli-hy')
    assert (result.returncode, result.stdout) == (0, 'Host deleted: cli-hy\n'), result.stderr
    rows = cli.json('segment', 'host', 'list', segment_uuid, '--sort', 'name:asc')
    assert [row['name'] for row in rows] == ['cli-hx', 'cli-hz']


def test_notification_and_vmove_commands(deployment):
    cli = deployment.cli
    seed.segment_with_hosts(deployment.database_url, 'cli-notif-seg', ['cli-n1', 'cli-n2'])
    n1_uuid, n2_uuid = deployment.host('cli-n1').uuid, deployment.host('cli-n2').uuid

    host_down = cli.json(
        'notification', 'create', 'COMPUTE_HOST', 'cli-n1', '2026-11-25T10:00:00+02:00',
        '{"event": "STOPPED", "host_status": "UNKNOWN", "cluster_status": "OFFLINE"}')
    notification_uuid = host_down['notification_uuid']
    assert UUID.match(notification_uuid) and TIMESTAMP.match(host_down['created_at'])
    # create prints a show at 1.3: recovery_workflow_details is there, empty
    # because no engine runs
    assert {k: v for k, v in host_down.items()
            if k not in ('notification_uuid', 'created_at')} == {
        'updated_at': None, 'type': 'COMPUTE_HOST', 'status': 'new',
        'source_host_uuid': n1_uuid, 'generated_time': '2026-11-25T08:00:00.000000',
        'payload': {'event': 'STOPPED', 'host_status': 'UNKNOWN',
                    'cluster_status': 'OFFLINE'},
        'recovery_workflow_details': []}
    process_down = cli.json(
        'notification', 'create', 'PROCESS', 'cli-n2', '2026-11-25T09:00:00',
        '{"process_name": "nova-compute", "event": "STOPPED"}')
    assert (process_down['source_host_uuid'], process_down['generated_time']) == (
        n2_uuid, '2026-11-25T09:00:00.000000')

    result = cli.run('notification', 'show', notification_uuid, '-f', 'json', '--debug')
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout) == host_down
    # the CLI asks for 1.3 and the answer says which version it is
    assert '-H "OpenStack-API-Version: instance-ha 1.3"' in result.stderr
    assert 'OpenStack-API-Version: instance-ha 1.3 ' in result.stderr

    rows, pages = cli.listing('notifications', 'notification', 'list',
                              '--limit', '1', '--sort', 'type:asc')
    assert rows == [{k: n[k] for k in ('notification_uuid', 'generated_time', 'status',
                                       'type', 'source_host_uuid', 'payload')}
                    for n in (host_down, process_down)]
    assert pages == [('1', None, 1),
                     ('1', str(deployment.notification_id(notification_uuid)), 1),
                     ('1', str(deployment.notification_id(process_down['notification_uuid'])),
                      0)]
    rows = cli.json('notification', 'list',
                    '--filters', f'generated-since=2026-11-25T08:30:00;status=new;'
                                 f'source_host_uuid={n2_uuid}')
    assert [row['notification_uuid'] for row in rows] == [process_down['notification_uuid']]

    moves = [deployment.vmove(notification_uuid, instance_name=name, status=status,
                              source_host='cli-n1', dest_host=dest, message=message,
                              start_time=models.utcnow_seconds())
             for name, status, dest, message in (
                 ('vm-a', 'succeeded', 'cli-n2', None),
                 ('vm-b', 'failed', None, 'No valid host was found.'),
                 ('vm-c', 'ongoing', 'cli-n2', None))]
    rows, pages = cli.listing('vmoves', 'notification', 'vmove', 'list', notification_uuid,
                              '--limit', '2', '--sort', 'instance_name:asc')
    assert [(r['uuid'], r['server_id'], r['server_name'], r['status'], r['dest_host'])
            for r in rows] == [(m['uuid'], m['instance_uuid'], m['instance_name'],
                                m['status'], m['dest_host']) for _, m in moves]
    assert pages == [('2', None, 2), ('2', str(moves[1][0]), 1), ('2', str(moves[2][0]), 0)]
    rows = cli.json('notification', 'vmove', 'list', notification_uuid,
                    '--sort', 'id:asc', '--marker', str(moves[0][0]))
    assert [row['server_name'] for row in rows] == ['vm-b', 'vm-c']
    rows = cli.json('notification', 'vmove', 'list', notification_uuid,
                    '--filters', 'status=failed;type=evacuation')
    assert [row['server_name'] for row in rows] == ['vm-b']

    _, failed = moves[1]
    shown = cli.json('notification', 'vmove', 'show', notification_uuid, failed['uuid'])
    assert TIMESTAMP.match(shown['start_time']) and TIMESTAMP.match(shown['created_at'])
    assert {k: v for k, v in shown.items() if k not in ('start_time', 'created_at')} == {
        'updated_at': None, 'uuid': failed['uuid'], 'server_id': failed['instance_uuid'],
        'server_name': 'vm-b', 'source_host': 'cli-n1', 'dest_host': None,
        'end_time': None, 'type': 'evacuation', 'status': 'failed',
        'message': 'No valid host was found.'}

    # only host failures have vm moves
    message = cli.fails('notification', 'vmove', 'list', process_down['notification_uuid'])
    assert message.startswith('BadRequestException: 400')
    assert message.endswith(
        f'This notification {process_down["notification_uuid"]} without vm moves.')


def test_errors_are_clean_messages(deployment):
    cli = deployment.cli
    # an unknown name is passed on as the id, which the server does not know
    assert cli.fails('segment', 'show', 'cli-no-such-segment') == (
        'Segment is not found: cli-no-such-segment')
    missing = str(uuid.uuid4())
    assert cli.fails('notification', 'show', missing) == f'Notification not found: {missing}'

    seed.segment_with_hosts(deployment.database_url, 'cli-error-seg', [])
    message = cli.fails('segment', 'host', 'create', 'cli-not-in-nova', 'COMPUTE', 'SSH',
                        'cli-error-seg')
    assert message.startswith('BadRequestException: 400')
    assert message.endswith('Compute service with name cli-not-in-nova could not be found.')
