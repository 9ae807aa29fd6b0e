"""Upstream's path of the version document application (see
``masakari.api.openstack``)."""
from masakari.api.versions import VersionsApp as Versions

__all__ = ['Versions']
