"""Upstream's factory paths, kept so that an api-paste.ini written for
upstream Masakari (as deployment tools such as OpenStack-Ansible render it)
loads unchanged. Each name is the same object as ours in ``masakari.api``;
etc/masakari/api-paste.ini uses our names."""
from masakari.api.faults import FaultWrapper

__all__ = ['FaultWrapper']
