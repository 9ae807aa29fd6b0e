"""Nova's rules as the simulated cloud applies them, on a clock the tests move."""
import pytest

import novasim
from novasim.state import ERROR
from novasim.state import NO_VALID_HOST
from novasim.state import SHUTDOWN
from novasim.state import STOPPED
from novasim.state import Cloud
from novasim.state import NovaError
from novasim.state import Timings


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cloud(clock):
    cloud = Cloud(clock)
    cloud.timings.evacuate = 5.0
    cloud.timings.stop = 2.0
    cloud.timings.start = 2.0
    for name in ('h1', 'h2', 'h3'):
        cloud.add_host(name)
    return cloud


def _raises(code: int, function, *args, **kwargs) -> str:
    with pytest.raises(NovaError) as caught:
        function(*args, **kwargs)
    assert caught.value.code == code
    return caught.value.message


def test_evacuate_refused_while_the_source_service_is_reported_up(cloud, clock):
    server = cloud.add_server('i1', 'h1')
    assert _raises(400, cloud.evacuate, server.id) == 'Compute service of h1 is still in use.'

    cloud.host_down('h1', report_after=10)
    clock.tick(9)
    _raises(400, cloud.evacuate, server.id)
    clock.tick(1)
    cloud.evacuate(server.id)
    assert server.task_state == 'rebuilding'
    assert [a.action for a in server.actions] == ['create', 'evacuate']


def test_evacuation_lands_after_the_configured_delay_on_the_least_loaded_host(cloud, clock):
    cloud.add_server('other', 'h2')
    server = cloud.add_server('i1', 'h1')
    cloud.host_down('h1')
    cloud.evacuate(server.id)

    clock.tick(4.9)
    assert cloud.get_server(server.id).host == 'h1'
    clock.tick(0.1)
    server = cloud.get_server(server.id)
    assert (server.host, server.node, server.vm_state, server.task_state) == \
        ('h3', 'h3', 'active', None)
    assert server.actions[-1].events[0].result == 'Success'


@pytest.mark.parametrize('before, after', [('active', 'active'), ('error', 'active'),
                                           ('stopped', 'stopped')])
def test_evacuation_keeps_stopped_servers_stopped(cloud, clock, before, after):
    server = cloud.add_server('i1', 'h1', vm_state=before)
    cloud.host_down('h1')
    cloud.evacuate(server.id)
    clock.tick(5)
    assert cloud.get_server(server.id).vm_state == after


def test_evacuation_at_2_95_ends_stopped(cloud, clock):
    server = cloud.add_server('i1', 'h1')
    cloud.host_down('h1')
    cloud.evacuate(server.id, stop_at_destination=True)
    clock.tick(5)
    server = cloud.get_server(server.id)
    assert (server.vm_state, server.power_state) == (STOPPED, SHUTDOWN)


@pytest.mark.parametrize('fields, message', [
    ({'vm_state': 'paused'}, 'while it is in vm_state paused'),
    ({'task_state': 'rebooting'}, 'while it is in task_state rebooting'),
])
def test_evacuate_conflicts_with_the_server_state(cloud, fields, message):
    server = cloud.add_server('i1', 'h1', **fields)
    cloud.host_down('h1')
    assert message in _raises(409, cloud.evacuate, server.id)


def test_evacuate_target_host_checks(cloud):
    server = cloud.add_server('i1', 'h1')
    cloud.host_down('h1')
    assert _raises(404, cloud.evacuate, server.id, 'nowhere') == 'Compute host nowhere not found.'
    assert 'same one' in _raises(400, cloud.evacuate, server.id, 'h1')


def test_evacuate_to_a_disabled_host_ends_in_error_without_moving(cloud, clock):
    server = cloud.add_server('i1', 'h1')
    cloud.set_service('h2', disabled=True)
    cloud.host_down('h1')
    cloud.evacuate(server.id, 'h2')
    clock.tick(5)
    server = cloud.get_server(server.id)
    assert (server.host, server.vm_state, server.task_state) == ('h1', ERROR, None)
    assert server.fault['message'] == NO_VALID_HOST
    assert server.actions[-1].message == 'Error'


def test_a_host_whose_rebuilds_fail_leaves_evacuated_servers_in_error(cloud, clock):
    cloud.load({'hosts': [{'name': 'h4', 'evacuations_fail': True}]})
    server = cloud.add_server('i1', 'h1')
    cloud.host_down('h1')
    cloud.evacuate(server.id, 'h4')
    clock.tick(5)
    cloud.advance()
    assert (server.host, server.vm_state, server.task_state) == ('h1', ERROR, None)
    assert server.actions[-1].message == 'Error'

    cloud.evacuate(server.id, 'h2')
    clock.tick(5)
    cloud.advance()
    assert (server.host, server.vm_state) == ('h2', 'active')


def test_forced_evacuation_skips_the_scheduler(cloud, clock):
    server = cloud.add_server('i1', 'h1')
    cloud.set_service('h2', disabled=True)
    cloud.host_down('h1')
    cloud.evacuate(server.id, 'h2', force=True)
    clock.tick(5)
    assert cloud.get_server(server.id).host == 'h2'


def test_scheduler_respects_capacity_including_moves_in_flight(cloud, clock):
    cloud.hosts['h2'].max_servers = 1
    cloud.hosts['h3'].max_servers = 1
    servers = [cloud.add_server(f'i{n}', 'h1') for n in range(3)]
    cloud.host_down('h1')
    for server in servers:
        cloud.evacuate(server.id)
    clock.tick(5)
    cloud.advance()
    assert sorted(s.host for s in servers[:2]) == ['h2', 'h3']
    assert servers[2].vm_state == ERROR and servers[2].host == 'h1'


@pytest.mark.parametrize('outcome', ['error', 'stuck'])
def test_injected_evacuation_outcomes(cloud, clock, outcome):
    server = cloud.add_server('i1', 'h1', evacuation=outcome)
    cloud.host_down('h1')
    cloud.evacuate(server.id)
    clock.tick(60)
    cloud.advance()
    assert server.host == 'h1'
    if outcome == 'error':
        assert (server.vm_state, server.task_state) == (ERROR, None)
    else:
        assert (server.vm_state, server.task_state) == ('active', 'rebuilding')


def test_stop_and_start_rules(cloud, clock):
    server = cloud.add_server('i1', 'h1')
    _raises(409, cloud.start, server.id)
    cloud.stop(server.id)
    assert server.task_state == 'powering-off'
    assert 'task_state powering-off' in _raises(409, cloud.stop, server.id)
    clock.tick(2)
    cloud.advance()
    assert (server.vm_state, server.power_state, server.task_state) == ('stopped', 4, None)
    assert "Cannot 'stop' instance" in _raises(409, cloud.stop, server.id)
    cloud.start(server.id)
    clock.tick(2)
    cloud.advance()
    assert (server.vm_state, server.power_state) == ('active', 1)
    assert [a.action for a in server.actions] == ['create', 'stop', 'start']


def test_stop_is_allowed_from_error_and_rescued(cloud, clock):
    for state in ('error', 'rescued'):
        server = cloud.add_server(state, 'h1', vm_state=state)
        cloud.stop(server.id)
    _raises(409, cloud.stop, cloud.add_server('p', 'h1', vm_state='paused').id)


def test_stop_waits_for_a_dead_host_to_come_back(cloud, clock):
    server = cloud.add_server('i1', 'h1')
    cloud.host_down('h1', back_after=30)
    cloud.stop(server.id)
    clock.tick(10)
    assert cloud.get_server(server.id).vm_state == 'active'
    clock.tick(20)
    assert cloud.get_server(server.id).vm_state == 'stopped'


def test_stuck_power_operations_never_finish(cloud, clock):
    server = cloud.add_server('i1', 'h1', vm_state='stopped', power_ops='stuck')
    cloud.start(server.id)
    clock.tick(600)
    assert (cloud.get_server(server.id).vm_state, server.task_state) == ('stopped', 'powering-on')


def test_reset_state_lock_and_unlock(cloud):
    server = cloud.add_server('i1', 'h1', task_state='rebooting')
    cloud.reset_state(server.id, 'error')
    assert (server.vm_state, server.task_state) == ('error', None)
    with pytest.raises(ValueError):
        cloud.reset_state(server.id, 'stopped')
    cloud.lock_server(server.id, 'maintenance')
    assert (server.locked, server.locked_reason) == (True, 'maintenance')
    cloud.unlock_server(server.id)
    assert server.locked is False
    assert [a.action for a in server.actions] == ['create', 'resetState', 'lock', 'unlock']


def test_unknown_server_is_404(cloud):
    assert _raises(404, cloud.get_server, 'nope') == 'Instance nope could not be found.'


def test_service_updates(cloud):
    service = cloud.compute_service('h1')
    cloud.update_service(service, 'disabled', 'Masakari detected host failed.')
    assert (service.disabled, service.disabled_reason) == \
        (True, 'Masakari detected host failed.')
    cloud.update_service(service, 'enabled')
    assert (service.disabled, service.disabled_reason) == (False, None)
    assert 'disabled_reason' in _raises(400, cloud.update_service, service, 'enabled', 'why')
    assert 'No updates were requested' in _raises(400, cloud.update_service, service)
    cloud.update_service(service, forced_down=True)
    assert not cloud.service_up(service)


def test_only_nova_compute_services_can_be_updated(cloud):
    conductor = cloud.add_service('h1', 'nova-conductor')
    assert 'Only nova-compute' in _raises(400, cloud.update_service, conductor, 'disabled')


def test_a_frozen_service_ignores_updates(cloud):
    cloud.set_service('h1', frozen=True)
    service = cloud.update_service(cloud.compute_service('h1'), 'disabled')
    assert service.disabled is False


def test_service_filters_are_exact_and_case_sensitive(cloud):
    cloud.add_service('h1', 'nova-conductor')
    assert [s.binary for s in cloud.list_services(host='h1')] == \
        ['nova-compute', 'nova-conductor']
    assert cloud.list_services(host='H1', binary='nova-compute') == []
    assert cloud.list_services(host='h', binary='nova-compute') == []
    assert len(cloud.list_services(binary='nova-compute')) == 3


def test_host_comes_back_by_itself(cloud, clock):
    cloud.host_down('h1', back_after=30)
    service = cloud.compute_service('h1')
    assert not cloud.service_up(service)
    clock.tick(30)
    assert cloud.service_up(service)


def test_host_that_never_comes_back(cloud, clock):
    cloud.host_down('h1')
    clock.tick(10 ** 6)
    assert not cloud.service_up(cloud.compute_service('h1'))
    cloud.host_up('h1')
    assert cloud.service_up(cloud.compute_service('h1'))


def test_aggregate_membership(cloud):
    aggregate = cloud.add_aggregate('A', hosts=['h1'])
    assert cloud.aggregate_add_host(aggregate.id, 'h2').hosts == ['h1', 'h2']
    assert _raises(409, cloud.aggregate_add_host, aggregate.id, 'h1') == \
        f'Aggregate {aggregate.id} already has host h1.'
    _raises(404, cloud.aggregate_add_host, aggregate.id, 'nowhere')
    _raises(404, cloud.aggregate_remove_host, aggregate.id, 'h3')
    _raises(404, cloud.aggregate_add_host, 99, 'h1')
    _raises(409, cloud.add_aggregate, 'A')
    _raises(400, cloud.delete_aggregate, aggregate.id)


def test_servers_are_listed_newest_first_and_filtered(cloud, clock):
    first = cloud.add_server('a', 'h1')
    clock.tick(1)
    second = cloud.add_server('b', 'h1')
    third = cloud.add_server('c', 'h2', project='other')
    assert cloud.list_servers() == [third, second, first]
    assert cloud.list_servers(host='h1') == [second, first]
    assert cloud.list_servers(project_id=third.project_id) == [third]


def test_load_seed(cloud, clock):
    cloud.load({
        'hosts': ['h4', {'name': 'h5', 'compute_service': {'disabled': True},
                         'down': {'report_after': 5}}],
        'servers': [{'name': 'i1', 'host': 'h4', 'metadata': {'HA_Enabled': True}}],
        'aggregates': [{'name': 'A', 'hosts': ['h4', 'h5']}],
        'timings': {'evacuate': 0.5},
    })
    assert cloud.compute_service('h5').disabled
    assert cloud.service_up(cloud.compute_service('h5'))
    clock.tick(5)
    assert not cloud.service_up(cloud.compute_service('h5'))
    assert cloud.list_servers(host='h4')[0].metadata == {'HA_Enabled': 'True'}
    assert cloud.timings.evacuate == 0.5
    with pytest.raises(KeyError):
        cloud.add_server('x', 'nowhere')
    with pytest.raises(ValueError):
        cloud.add_server('x', 'h4', vm_state='bogus')


# -- Nova's pace: evacuations at most so many at once ---------------------------


def _failed_host_with(cloud, count: int) -> list:
    servers = [cloud.add_server(f'i{n}', 'h1') for n in range(count)]
    cloud.host_down('h1')
    return servers


def test_evacuations_beyond_the_limit_wait_for_a_free_slot(cloud, clock):
    cloud.timings.max_concurrent_evacuations = 2
    servers = _failed_host_with(cloud, 5)
    accepted = clock.now
    for server in servers:
        cloud.evacuate(server.id)
    assert cloud.evacuations_in_progress() == (2, 3)
    assert {s.task_state for s in servers} == {'rebuilding'}

    clock.tick(4.9)
    assert cloud.evacuations_in_progress() == (2, 3)
    clock.tick(0.1)
    assert [s.host for s in cloud.list_servers()][::-1] == ['h2', 'h3', 'h1', 'h1', 'h1']
    assert cloud.evacuations_in_progress() == (2, 1)
    # Each waiting one starts when a slot frees, and takes the full 5 s.
    clock.tick(10)
    assert cloud.evacuations_in_progress() == (0, 0)
    assert [s.updated - accepted for s in servers] == [5, 5, 10, 10, 15]
    assert [s.actions[-1].events[0].finish - accepted for s in servers] == [5, 5, 10, 10, 15]


def test_waiting_evacuations_start_at_landing_times_read_late(cloud, clock):
    """Outcomes land lazily: read long after, each chain keeps its own times."""
    cloud.timings.max_concurrent_evacuations = 1
    servers = _failed_host_with(cloud, 3)
    accepted = clock.now
    for server in servers:
        cloud.evacuate(server.id)
    clock.tick(60)
    cloud.advance()
    assert [s.updated - accepted for s in servers] == [5, 10, 15]
    assert {s.task_state for s in servers} == {None}


def test_a_started_evacuation_changes_the_server(cloud, clock):
    cloud.timings.max_concurrent_evacuations = 1
    first, second = _failed_host_with(cloud, 2)
    cloud.evacuate(first.id)
    clock.tick(1)
    cloud.evacuate(second.id)
    accepted = clock.now
    clock.tick(4)
    cloud.advance()
    # Started when the first landed: updated then, landed 5 s later.
    assert (second.updated, second.task_state) == (accepted + 4, 'rebuilding')
    clock.tick(5)
    cloud.advance()
    assert (second.updated, second.task_state, second.host) == (accepted + 9, None, 'h3')


def test_raising_the_limit_starts_waiting_evacuations_at_once(cloud, clock):
    cloud.timings.max_concurrent_evacuations = 1
    servers = _failed_host_with(cloud, 3)
    for server in servers:
        cloud.evacuate(server.id)
    clock.tick(1)
    cloud.load({'timings': {'max_concurrent_evacuations': None}})
    assert cloud.evacuations_in_progress() == (3, 0)
    clock.tick(5)
    assert cloud.evacuations_in_progress() == (0, 0)
    assert [s.host for s in servers] == ['h2', 'h3', 'h2']


def test_stuck_and_failing_evacuations_and_the_limit(cloud, clock):
    """A stuck evacuation holds no slot; a failed one frees its slot."""
    cloud.timings.max_concurrent_evacuations = 1
    stuck, failing, moving = _failed_host_with(cloud, 3)
    cloud.set_server(stuck.id, evacuation='stuck')
    cloud.set_server(failing.id, evacuation='error')
    for server in (stuck, failing, moving):
        cloud.evacuate(server.id)
    clock.tick(10)
    cloud.advance()
    assert [(s.host, s.vm_state, s.task_state) for s in (stuck, failing, moving)] == [
        ('h1', 'active', 'rebuilding'), ('h1', ERROR, None), ('h3', 'active', None)]


def test_the_limit_is_a_positive_integer_or_none(cloud):
    for bad in (0, -1, 1.5, True, '2'):
        with pytest.raises(ValueError):
            cloud.load({'timings': {'max_concurrent_evacuations': bad}})
    cloud.load({'timings': {'max_concurrent_evacuations': 3}})
    assert cloud.timings.max_concurrent_evacuations == 3
    assert cloud.timings.evacuate == 5.0


def test_the_limit_on_a_fake_clock_that_engine_sleeps_move():
    clock = novasim.FakeClock(start=1_700_000_000.0)
    cloud = Cloud(clock)
    cloud.timings = Timings(evacuate=2, max_concurrent_evacuations=10)
    for host in ('h1', 'h2'):
        cloud.add_host(host)
    servers = _failed_host_with(cloud, 25)
    for server in servers:
        cloud.evacuate(server.id)
    polls = 0
    while any(s.host == 'h1' for s in cloud.list_servers()):
        clock.sleep(1)
        polls += 1
    assert polls == 6  # ceil(25 / 10) * 2 s


# -- updated and changes-since --------------------------------------------------


def test_every_change_of_a_server_moves_its_updated_time(cloud, clock):
    server = cloud.add_server('i1', 'h1')

    def changed(step) -> bool:
        clock.tick(1)
        before = server.updated
        step()
        cloud.advance()
        return server.updated == clock.now > before

    assert changed(lambda: cloud.lock_server(server.id))
    assert changed(lambda: cloud.unlock_server(server.id))
    assert changed(lambda: cloud.stop(server.id))
    assert changed(lambda: clock.tick(2))                     # stopped
    assert changed(lambda: cloud.start(server.id))
    assert changed(lambda: clock.tick(2))                     # active
    assert changed(lambda: cloud.reset_state(server.id, 'error'))
    assert changed(lambda: cloud.set_metadata(server.id, {'k': 'v'}, False))
    cloud.host_down('h1')
    assert changed(lambda: cloud.evacuate(server.id))
    assert changed(lambda: clock.tick(4))                     # landed, 5 s on
    assert server.host != 'h1'


def test_changes_since_compares_to_the_second(cloud, clock):
    clock.now = 1_700_000_000.5
    old = cloud.add_server('old', 'h1')
    clock.tick(2)                                             # ...002.5
    new = cloud.add_server('new', 'h1')
    assert cloud.list_servers(changes_since=1_700_000_000.0) == [new, old]
    assert cloud.list_servers(changes_since=1_700_000_000.6) == [new]
    assert cloud.list_servers(changes_since=1_700_000_002.0) == [new]
    # Changed at 002.5, kept as 002: not at or after 002.4.
    assert cloud.list_servers(changes_since=1_700_000_002.4) == []
    cloud.lock_server(old.id)
    assert cloud.list_servers(changes_since=1_700_000_002.0) == [new, old]
