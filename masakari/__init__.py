"""Masakari: instance high availability for OpenStack.

Native threads only: oslo.service (pulled in by oslo.messaging) is switched
to its threading backend before anything imports it. futurist still imports
the installed eventlet to probe for it (nothing is monkey-patched), so its
deprecation banner is silenced.

oslo-config-generator loads oslo.messaging's options, which picks the
eventlet backend, before it imports masakari; it runs none of our services,
so the backend it picked is left alone.
"""
import warnings

from oslo_service import backend as _service_backend

warnings.filterwarnings('ignore', message='\\s*Eventlet is deprecated')
try:
    _service_backend.init_backend(_service_backend.BackendType.THREADING)
except _service_backend.exceptions.BackendAlreadySelected:
    pass
