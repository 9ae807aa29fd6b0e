"""Looking up Nova services by host and binary."""
from openstack.compute.v2.service import Service

from masakari import exception
from masakari.compute.client import get_connection
from masakari.compute.errors import translate_errors


@translate_errors
def find_compute_service(host_name: str, binary: str = 'nova-compute',
                         request_id: str | None = None) -> Service:
    """The ``binary`` service Nova runs on exactly ``host_name``.

    ``GET /os-services?binary=<binary>&host=<host_name>``; raises
    ComputeNotFoundByName when there is none.
    """
    services = get_connection(request_id).compute.services(host=host_name, binary=binary)
    # Compare again here: a Nova that filters host names case-insensitively
    # must not make "Node1" pass for "node1".
    for service in services:
        if service.host == host_name and service.binary == binary:
            return service
    raise exception.ComputeNotFoundByName(compute_name=host_name)


def check_compute_host_exists(host_name: str, request_id: str | None = None) -> None:
    """Raise ComputeNotFoundByName unless Nova has a nova-compute on ``host_name``."""
    find_compute_service(host_name, request_id=request_id)
