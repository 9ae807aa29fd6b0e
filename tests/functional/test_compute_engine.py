"""masakari.compute.API, the recovery engine's Nova client, against the stand-in
over HTTP: the requests it sends (methods, paths, bodies, microversions), what
it returns, and how Nova's refusals reach the engine."""
import time
from urllib.parse import parse_qsl

import pytest

import novasim
from masakari import compute
from masakari import context as masakari_context
from masakari import exception
from masakari.conf import CONF
from tests.support.recovery import FakeClockEnvironment

REQUEST_ID = 'req-3f0c2a52-9c1e-4f07-a0a4-6f4a0d1e2b11'


@pytest.fixture
def clock():
    return novasim.FakeClock()


@pytest.fixture
def sim(clock):
    sim = novasim.Simulator(clock=clock)
    sim.cloud.timings.evacuate = 30.0
    sim.cloud.timings.stop = sim.cloud.timings.start = 5.0
    for host in ('h1', 'h2', 'h3'):
        sim.cloud.add_host(host)
    return sim


@pytest.fixture
def nova(sim):
    """The stand-in served over HTTP with masakari's [DEFAULT] options pointing at it."""
    with novasim.start(sim) as running:
        values = {'os_privileged_user_auth_url': running.identity_url,
                  'os_privileged_user_name': 'masakari',
                  'os_privileged_user_password': 'masakari',
                  'os_privileged_user_tenant': 'service',
                  'os_region_name': 'RegionOne'}
        for name, value in values.items():
            CONF.set_override(name, value)
        compute.reset()
        yield running
        for name in values:
            CONF.clear_override(name)
        compute.reset()


@pytest.fixture
def api(nova):
    return compute.API()


@pytest.fixture
def ctx():
    return masakari_context.RequestContext(request_id=REQUEST_ID, overwrite=False)


@pytest.fixture
def engine(clock):
    """An engine environment whose waits run on the stand-in's clock."""
    return FakeClockEnvironment(clock)


def nova_calls(sim, since=0):
    """(method, path, query as a dict, body) of the compute requests after the since-th
    call (order of query parameters aside, the requests as Nova received them)."""
    return [(c['method'], c['path'], dict(parse_qsl(c['query'])), c['body'])
            for c in sim.calls.since(since) if c['service'] == 'compute' and c['path'] != '/']


def mark(sim):
    return len(sim.calls.since(0))


def server_on_h1(sim, **fields):
    return sim.cloud.add_server('i1', 'h1', metadata={'HA_Enabled': 'True'}, **fields)


# -- servers ------------------------------------------------------------


def test_get_servers_lists_every_tenants_servers_on_the_host(sim, api, ctx):
    mine = sim.cloud.add_server('i1', 'h1', project='service', metadata={'HA_Enabled': 'True'})
    theirs = sim.cloud.add_server('i2', 'h1', project='demo', vm_state='error')
    sim.cloud.add_server('elsewhere', 'h2')

    servers = api.get_servers(ctx, 'h1')

    assert [(s.id, s.name, s.metadata, s.vm_state) for s in servers] == [
        (theirs.id, 'i2', {}, 'error'), (mine.id, 'i1', {'HA_Enabled': 'True'}, 'active')]
    assert nova_calls(sim) == \
        [('GET', '/servers/detail', {'all_tenants': 'True', 'host': 'h1'}, None)]


def test_get_servers_reads_one_page_only(sim, api, ctx):
    for n in range(1001):
        sim.cloud.add_server(f'i{n}', 'h1')
    assert len(api.get_servers(ctx, 'h1')) == 1000
    assert len(nova_calls(sim)) == 1


def test_get_servers_of_an_empty_or_unknown_host(sim, api, ctx):
    server_on_h1(sim)
    assert api.get_servers(ctx, 'h2') == []
    assert api.get_servers(ctx, 'nohost') == []


def test_get_server_exposes_what_the_engine_reads(sim, api, ctx):
    created = server_on_h1(sim, vm_state='stopped', task_state='powering-on', locked=True)

    server = api.get_server(ctx, created.id)

    assert (server.id, server.name, server.metadata) == \
        (created.id, 'i1', {'HA_Enabled': 'True'})
    assert (server.vm_state, server.task_state, server.power_state, server.is_locked) == \
        ('stopped', 'powering-on', 4, True)
    assert (server.hypervisor_hostname, server.compute_host) == ('h1', 'h1')
    assert nova_calls(sim) == [('GET', f'/servers/{created.id}', {}, None)]


def test_unknown_server_is_not_found(api, ctx):
    with pytest.raises(exception.NotFound):
        api.get_server(ctx, '0e5a5d5c-8e5b-4a8e-9d52-5c1f4c1c7e3a')


# -- services ------------------------------------------------------


def test_find_compute_service_and_its_status(sim, api, ctx):
    sim.cloud.add_service('h1', 'nova-conductor')
    service = api.find_compute_service(ctx, 'h1')
    assert (service.id, service.host, service.binary, service.status) == \
        (sim.cloud.compute_service('h1').id, 'h1', 'nova-compute', 'enabled')
    assert api.find_compute_service(ctx, 'h1', binary='nova-conductor').binary == \
        'nova-conductor'
    with pytest.raises(exception.ComputeNotFoundByName):
        api.find_compute_service(ctx, 'nohost')

    assert api.is_service_disabled(ctx, 'h1', 'nova-compute') is False
    sim.cloud.set_service('h1', disabled=True)
    assert api.is_service_disabled(ctx, 'h1', 'nova-compute') is True
    assert [q for _, _, q, _ in nova_calls(sim)][:3] == [
        {'host': 'h1', 'binary': 'nova-compute'}, {'host': 'h1', 'binary': 'nova-conductor'},
        {'host': 'nohost', 'binary': 'nova-compute'}]


def test_disable_with_reason(sim, api, ctx):
    service_id = sim.cloud.compute_service('h1').id

    api.enable_disable_service(ctx, 'h1', reason='Masakari detected host failed.')

    assert [(m, p) for m, p, _, _ in nova_calls(sim)] == \
        [('GET', '/os-services'), ('PUT', f'/os-services/{service_id}')]
    assert nova_calls(sim)[1][3] == {'status': 'disabled',
                                     'disabled_reason': 'Masakari detected host failed.'}
    service = sim.cloud.compute_service('h1')
    assert (service.disabled, service.disabled_reason) == \
        (True, 'Masakari detected host failed.')


@pytest.mark.parametrize('reason', ['', None])
def test_disable_without_reason(sim, api, ctx, reason):
    api.enable_disable_service(ctx, 'h1', enable=False, reason=reason)
    assert nova_calls(sim)[-1][3] == {'status': 'disabled'}
    assert sim.cloud.compute_service('h1').disabled


def test_enable_is_sent_even_when_already_enabled(sim, api, ctx):
    sim.cloud.set_service('h2', disabled=True, disabled_reason='reserved')
    api.enable_disable_service(ctx, 'h2', enable=True)
    api.enable_disable_service(ctx, 'h2', enable=True)
    puts = [body for method, _, _, body in nova_calls(sim) if method == 'PUT']
    assert puts == [{'status': 'enabled'}, {'status': 'enabled'}]
    assert not sim.cloud.compute_service('h2').disabled


def test_disabling_the_service_of_an_unknown_host_sends_no_update(sim, api, ctx):
    with pytest.raises(exception.ComputeNotFoundByName):
        api.enable_disable_service(ctx, 'nohost', reason='x')
    assert [m for m, _, _, _ in nova_calls(sim)] == ['GET']


def test_forcing_down_and_disabling_is_one_request(sim, api, ctx):
    api.set_forced_down(ctx, 'h1', True, disabled_reason='Masakari detected host failed.')
    service = sim.cloud.compute_service('h1')
    assert (service.forced_down, service.disabled, service.disabled_reason) == (
        True, True, 'Masakari detected host failed.')
    assert not sim.cloud.service_up(service)

    api.set_forced_down(ctx, 'h1', False)
    assert (service.forced_down, service.disabled) == (False, True)
    puts = [(path, body) for method, path, _, body in nova_calls(sim) if method == 'PUT']
    assert puts == [(f'/os-services/{service.id}',
                     {'forced_down': True, 'status': 'disabled',
                      'disabled_reason': 'Masakari detected host failed.'}),
                    (f'/os-services/{service.id}', {'forced_down': False})]


def test_servers_changed_since_lists_only_later_changes(sim, api, ctx, clock):
    servers = [sim.cloud.add_server(f'i{n}', 'h1') for n in range(3)]
    since = api.get_server(ctx, servers[0].id).updated_at
    changed = api.get_servers_changed_since(ctx, since)
    assert sorted(server.id for server in changed) == sorted(s.id for s in servers)
    clock.advance(5)
    sim.cloud.lock_server(servers[1].id)
    later = api.get_server(ctx, servers[1].id).updated_at
    assert [server.id for server in api.get_servers_changed_since(ctx, later)] == [
        servers[1].id]


# -- evacuation -----------------------------------------------------------------


@pytest.mark.parametrize('target, body', [(None, {}), ('h3', {'host': 'h3'})])
def test_evacuate_sends_only_the_target(sim, clock, api, ctx, target, body):
    server = server_on_h1(sim)
    sim.cloud.host_down('h1')

    api.evacuate_instance(ctx, server.id, target)

    assert nova_calls(sim) == [('POST', f'/servers/{server.id}/action', {},
                                {'evacuate': body})]
    assert api.get_server(ctx, server.id).task_state == 'rebuilding'
    clock.advance(30)
    moved = api.get_server(ctx, server.id)
    assert (moved.hypervisor_hostname, moved.vm_state, moved.task_state) == \
        (target or 'h2', 'active', None)


def test_evacuate_refusals(sim, api, ctx):
    server = server_on_h1(sim)
    with pytest.raises(exception.InvalidInput) as caught:
        api.evacuate_instance(ctx, server.id)
    assert str(caught.value) == \
        'Invalid input received: Compute service of h1 is still in use.'

    sim.cloud.host_down('h1')
    with pytest.raises(exception.NotFound):
        api.evacuate_instance(ctx, server.id, 'nohost')
    sim.cloud.set_server(server.id, vm_state='paused')
    with pytest.raises(exception.Conflict):
        api.evacuate_instance(ctx, server.id)
    with pytest.raises(exception.NotFound):
        api.evacuate_instance(ctx, '0e5a5d5c-8e5b-4a8e-9d52-5c1f4c1c7e3a')


# -- state and power -----------------------------------------------------


@pytest.mark.parametrize('status', ['error', 'active'])
def test_reset_instance_state(sim, api, ctx, status):
    server = server_on_h1(sim, vm_state='paused', task_state='pausing')
    api.reset_instance_state(ctx, server.id, status)
    assert nova_calls(sim) == [('POST', f'/servers/{server.id}/action', {},
                                {'os-resetState': {'state': status}})]
    assert (server.vm_state, server.task_state) == (status, None)


def test_reset_instance_state_defaults_to_error(sim, api, ctx):
    server = server_on_h1(sim)
    api.reset_instance_state(ctx, server.id)
    assert nova_calls(sim)[-1][3] == {'os-resetState': {'state': 'error'}}


def test_stop_start_lock_unlock_bodies(sim, clock, api, ctx):
    server = server_on_h1(sim)
    api.lock_server(ctx, server.id)
    api.stop_server(ctx, server.id)
    clock.advance(5)
    assert api.get_server(ctx, server.id).vm_state == 'stopped'
    api.start_server(ctx, server.id)
    clock.advance(5)
    api.unlock_server(ctx, server.id)

    actions = [body for method, _, _, body in nova_calls(sim) if method == 'POST']
    assert actions == [{'lock': None}, {'os-stop': None}, {'os-start': None},
                       {'unlock': None}]
    assert (server.vm_state, server.power_state, server.locked) == ('active', 1, False)


def test_stopping_a_stopped_server_is_a_conflict(sim, api, ctx):
    server = server_on_h1(sim, vm_state='stopped')
    with pytest.raises(exception.Conflict):
        api.stop_server(ctx, server.id)
    sim.cloud.set_server(server.id, vm_state='active')
    with pytest.raises(exception.Conflict):
        api.start_server(ctx, server.id)


# -- aggregates -----------------------------------------------------------


def test_aggregates_and_adding_a_host(sim, api, ctx):
    first = sim.cloud.add_aggregate('A', hosts=['h1'])
    sim.cloud.add_aggregate('B', hosts=['h1', 'h2'])

    aggregates = api.get_aggregate_list(ctx)
    assert [(a.id, a.name, a.hosts) for a in aggregates] == \
        [(first.id, 'A', ['h1']), (first.id + 1, 'B', ['h1', 'h2'])]

    api.add_host(ctx, 'h3', aggregates[0])
    api.add_host(ctx, 'h3', aggregates[1].id)
    with pytest.raises(exception.Conflict):
        api.add_host(ctx, 'h2', aggregates[1])
    assert nova_calls(sim) == [
        ('GET', '/os-aggregates', {}, None),
        ('POST', f'/os-aggregates/{first.id}/action', {}, {'add_host': {'host': 'h3'}}),
        ('POST', f'/os-aggregates/{first.id + 1}/action', {}, {'add_host': {'host': 'h3'}}),
        ('POST', f'/os-aggregates/{first.id + 1}/action', {}, {'add_host': {'host': 'h2'}}),
    ]
    assert [s for s in (c['status'] for c in sim.calls.since(0)
                        if c['path'].startswith('/os-aggregates/'))] == [200, 200, 409]


# -- every request --------------------------------------------------------------------


def test_every_request_carries_the_context_request_id_and_microversion(sim, clock, api, ctx):
    server = server_on_h1(sim)
    sim.cloud.add_aggregate('A', hosts=['h1'])
    sim.cloud.host_down('h1')
    api.get_servers(ctx, 'h1')
    api.get_server(ctx, server.id)
    api.is_service_disabled(ctx, 'h1', 'nova-compute')
    api.enable_disable_service(ctx, 'h1', reason='down')
    api.enable_disable_service(ctx, 'h2', enable=True)
    api.lock_server(ctx, server.id)
    api.reset_instance_state(ctx, server.id, 'error')
    api.evacuate_instance(ctx, server.id, 'h2')
    clock.advance(30)
    api.stop_server(ctx, server.id)
    clock.advance(5)
    api.start_server(ctx, server.id)
    api.unlock_server(ctx, server.id)
    api.add_host(ctx, 'h2', api.get_aggregate_list(ctx)[0])

    calls = [c for c in sim.calls.since(0) if c['service'] == 'compute' and c['path'] != '/']
    assert len(calls) == 15
    assert {(c['global_request_id'], c['microversion']) for c in calls} == \
        {(REQUEST_ID, '2.53')}
    assert all(c['status'] in (200, 202) for c in calls)


@pytest.mark.parametrize('status, expected_type, expected_text', [
    (400, exception.InvalidInput, 'Invalid input received: No valid host'),
    (404, exception.NotFound, 'No valid host'),
    (409, exception.Conflict, 'No valid host'),
])
def test_nova_errors_are_translated(sim, api, ctx, status, expected_type, expected_text):
    server = server_on_h1(sim)
    sim.add_fault(path='/servers/*/action', action='evacuate', status=status,
                  message='No valid host')
    with pytest.raises(expected_type) as caught:
        api.evacuate_instance(ctx, server.id, 'h2')
    assert type(caught.value) is expected_type
    assert str(caught.value) == expected_text


# -- waiting on simulated time -----------------------------------------------------


def test_engine_waits_see_evacuations_land_without_real_waiting(sim, api, ctx, engine, clock):
    server = server_on_h1(sim)
    sim.cloud.host_down('h1')
    started_real, started_fake = time.monotonic(), clock.monotonic()

    api.evacuate_instance(ctx, server.id)
    moved = engine.wait_until(lambda: api.get_server(ctx, server.id).hypervisor_hostname != 'h1',
                             timeout=90, interval=1)

    assert moved
    assert 30 <= clock.monotonic() - started_fake <= 31
    assert time.monotonic() - started_real < 10
    polls = [c for c in sim.calls.since(0) if c['path'] == f'/servers/{server.id}']
    assert len(polls) == 31


def test_engine_waits_time_out_on_a_stuck_evacuation(sim, api, ctx, engine, clock):
    server = server_on_h1(sim, evacuation='stuck')
    sim.cloud.host_down('h1')
    api.evacuate_instance(ctx, server.id)
    assert not engine.wait_until(
        lambda: api.get_server(ctx, server.id).hypervisor_hostname != 'h1',
        timeout=90, interval=1)
    assert api.get_server(ctx, server.id).task_state == 'rebuilding'


def test_an_evacuation_to_a_failing_host_ends_in_error_on_the_source(sim, api, ctx,
                                                                     engine, clock):
    sim.cloud.hosts['h3'].evacuations_fail = True
    server = server_on_h1(sim)
    sim.cloud.host_down('h1')
    api.evacuate_instance(ctx, server.id, 'h3')
    assert engine.wait_until(lambda: api.get_server(ctx, server.id).task_state is None,
                            timeout=90, interval=1)
    failed = api.get_server(ctx, server.id)
    assert (failed.vm_state, failed.hypervisor_hostname) == ('error', 'h1')

    api.evacuate_instance(ctx, server.id, 'h2')
    clock.sleep(30)
    moved = api.get_server(ctx, server.id)
    assert (moved.vm_state, moved.hypervisor_hostname) == ('active', 'h2')
