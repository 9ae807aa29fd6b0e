"""SIGHUP and SIGTERM of the real console scripts (processmonitor: see
test_processmonitor_daemon.py).

As a daemon (stdout is not the group's terminal), SIGHUP re-reads the
config files, stops the manager, resets it and runs ``main()`` again with
the new options; SIGTERM stops it and the process exits 0. The libvirt
monitors use test:/// URIs (libvirt's in-process test driver, no libvirtd):
the reload switches from the built-in test:///default to a node file.
"""
import pathlib
import signal
import time

import libvirt
import pytest

from tests.monitors import pacemaker_cluster
from tests.monitors.daemon import Daemon

NODE_XML = ("<node><domain type='test'><name>t1</name><memory>8192</memory>"
            "<os><type>hvm</type></os></domain></node>")
DEFAULT_URI = 'test:///default'


@pytest.fixture
def daemons():
    started: list[Daemon] = []

    def start(*args, **kwargs) -> Daemon:
        daemon = Daemon(*args, **kwargs)
        started.append(daemon)
        return daemon
    yield start
    for daemon in started:
        daemon.close()


def node_uri(tmp_path: pathlib.Path) -> str:
    """A test-driver URI of a node file with one domain, checked to open."""
    node = tmp_path / 'node.xml'
    node.write_text(NODE_XML)
    uri = f'test://{node}'
    conn = libvirt.open(uri)
    try:
        assert [d.name() for d in conn.listAllDomains()] == ['t1']
    finally:
        conn.close()
    return uri


def reload(daemon: Daemon, sections: dict[str, dict]) -> None:
    daemon.write_config(sections)
    daemon.signal(signal.SIGHUP)


def assert_reloaded_then_stops(daemon: Daemon, binary: str) -> None:
    assert daemon.count(f'INFO masakarimonitors.service [-] Starting '
                        f'{binary}') == 2
    assert daemon.count(f'Stopping {binary}') == 1
    assert daemon.alive()
    started = time.monotonic()
    daemon.signal(signal.SIGTERM)
    assert daemon.wait(10) == 0
    assert time.monotonic() - started < 10
    assert daemon.count(f'Stopping {binary}') == 2
    assert 'Error starting thread.' not in daemon.text()


def test_instancemonitor_sighup_uses_the_new_uri(tmp_path, stub, daemons):
    binary = 'masakarimonitors-instancemonitor'
    sections = {'api': stub.api_options(),
                'libvirt': {'connection_uri': DEFAULT_URI}}
    daemon = daemons('masakari-instancemonitor', tmp_path, sections)
    daemon.wait_for_log(f'Using uri:{DEFAULT_URI}')
    daemon.wait_for_log('Registered libvirt event callbacks')

    uri = node_uri(tmp_path)
    reload(daemon, {**sections, 'libvirt': {'connection_uri': uri}})
    daemon.wait_for_log(f'Using uri:{uri} ')
    daemon.wait_for_log('Registered libvirt event callbacks', count=2)
    assert daemon.count(f'Using uri:{DEFAULT_URI}') == 1
    assert_reloaded_then_stops(daemon, binary)


def test_introspectiveinstancemonitor_sighup_uses_the_new_uri(
        tmp_path, stub, daemons):
    binary = 'masakarimonitors-introspectiveinstancemonitor'
    sections = {'api': stub.api_options(),
                'libvirt': {'connection_uri': DEFAULT_URI},
                'introspectiveinstancemonitor': {
                    'guest_monitoring_interval': 1}}
    keepalive = 'Keepalive is not supported by {}; the connection is ' \
                'watched without it.'
    daemon = daemons('masakari-introspectiveinstancemonitor', tmp_path,
                     sections)
    daemon.wait_for_log(keepalive.format(DEFAULT_URI))

    uri = node_uri(tmp_path)
    reload(daemon, {**sections, 'libvirt': {'connection_uri': uri}})
    daemon.wait_for_log(keepalive.format(uri))
    assert daemon.count(keepalive.format(DEFAULT_URI)) == 1
    assert_reloaded_then_stops(daemon, binary)


def test_hostmonitor_sighup_uses_the_new_interface(tmp_path, stub, daemons):
    binary = 'masakarimonitors-hostmonitor'
    root = pacemaker_cluster.ensure_pacemaker_tools()
    (tmp_path / 'cluster').mkdir()
    cluster = pacemaker_cluster.FakeCluster(tmp_path / 'cluster', root)
    cluster.traffic(eth0='ok')
    cluster.write()
    normal = "Corosync communication using '{}' is normal."
    sections = {'api': stub.api_options(),
                'host': {'monitoring_interval': 60,
                         'corosync_multicast_interfaces': 'eth0',
                         'corosync_multicast_ports': 5405}}
    daemon = daemons('masakari-hostmonitor', tmp_path, sections,
                     env={'PATH': cluster.path()})
    daemon.wait_for_log(normal.format('eth0'), timeout=30)

    cluster.traffic(eth9='ok')
    reload(daemon, {**sections, 'host': {
        **sections['host'], 'corosync_multicast_interfaces': 'eth9'}})
    daemon.wait_for_log(normal.format('eth9'), timeout=30)
    text = daemon.text()
    assert text.index(normal.format('eth9')) > text.index(f'Stopping {binary}')
    assert daemon.count(normal.format('eth0')) == 1
    assert_reloaded_then_stops(daemon, binary)
