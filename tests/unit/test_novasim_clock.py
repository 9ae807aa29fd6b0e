"""novasim.FakeClock as the stand-in's clock and the masakari engine's clock at once."""
import datetime
import threading
import time

import pytest

import novasim
from tests.support.recovery import FakeClockEnvironment


@pytest.fixture
def clock():
    return novasim.FakeClock(start=1_700_000_000.0)


@pytest.fixture
def engine(clock):
    """An engine environment on that clock."""
    return FakeClockEnvironment(clock)


def test_time_moves_only_when_advanced_or_slept_on(clock, engine):
    assert clock() == clock.monotonic() == 1_700_000_000.0
    assert clock.utcnow() == datetime.datetime(2023, 11, 14, 22, 13, 20)
    clock.advance(1.5)
    engine.sleep(10)
    assert clock() == 1_700_000_011.5
    assert engine.utcnow() == datetime.datetime(2023, 11, 14, 22, 13, 31, 500000)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_starts_at_real_time_by_default():
    assert abs(novasim.FakeClock()() - time.time()) < 5


def test_engine_waits_step_through_simulated_nova_outcomes(clock, engine):
    sim = novasim.Simulator(clock=clock)
    sim.cloud.timings.evacuate = 30
    for host in ('h1', 'h2'):
        sim.cloud.add_host(host)
    server = sim.cloud.add_server('i1', 'h1')
    sim.cloud.host_down('h1', report_after=60)

    assert engine.wait_until(lambda: sim.cloud.service_up(sim.cloud.compute_service('h1'))
                            is False, timeout=120, interval=1)
    sim.cloud.evacuate(server.id)
    started = clock.monotonic()
    assert engine.wait_until(lambda: sim.cloud.get_server(server.id).host == 'h2',
                            timeout=90, interval=1)
    assert clock.monotonic() - started == 30


def test_concurrent_sleepers_all_advance_the_time(clock):
    threads = [threading.Thread(target=clock.sleep, args=(2,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock() == 1_700_000_008.0
