"""The Nova stand-in for API tests: served from a thread of the test process,
with the masakari options that point at it."""
import contextlib

import novasim


@contextlib.contextmanager
def running(hosts: list[str]):
    """A stand-in whose Nova has a nova-compute service on each of ``hosts``."""
    sim = novasim.Simulator()
    for host in hosts:
        sim.cloud.add_host(host)
    with novasim.start(sim) as run:
        yield run


def masakari_options(run) -> str:
    return (f'[DEFAULT]\n'
            f'os_privileged_user_auth_url = {run.identity_url}\n'
            f'os_privileged_user_name = masakari\n'
            f'os_privileged_user_password = masakari\n'
            f'os_privileged_user_tenant = service\n')
