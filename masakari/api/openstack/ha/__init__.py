"""Upstream's path of the v1 application factory (see
``masakari.api.openstack``): ``masakari.api.openstack.ha:APIRouterV1.factory``
builds the same application as ``masakari.api.v1:app_factory``."""
from masakari.api import v1


class APIRouterV1:
    factory = staticmethod(v1.app_factory)
