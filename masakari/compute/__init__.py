"""The only code of masakari that talks to Nova.

Calls go through one shared openstacksdk connection (see
:mod:`masakari.compute.client`) and raise masakari exceptions (see
:mod:`masakari.compute.errors`). :class:`API` holds the operations of the
recovery engine; the API service only checks that compute hosts exist.
"""
from masakari.compute.api import API
from masakari.compute.api import check_compute_host_exists
from masakari.compute.api import find_compute_service
from masakari.compute.client import get_connection
from masakari.compute.client import reset

__all__ = ['API', 'check_compute_host_exists', 'find_compute_service', 'get_connection',
           'reset']
