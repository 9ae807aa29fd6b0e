"""Masakari: instance high availability for OpenStack.

Native threads only: oslo.service (pulled in by oslo.messaging) is switched
to its threading backend before anything imports it. futurist still imports
the installed eventlet to probe for it (nothing is monkey-patched), so its
deprecation banner is silenced, as is the DSA deprecation warning that
cryptography 51 gives when eventlet imports dnspython's DNSSEC algorithms
(masakari resolves no DNSSEC records).

oslo-config-generator loads oslo.messaging's options, which picks the
eventlet backend, before it imports masakari; it runs none of our services,
so the backend it picked is left alone.
"""
import warnings

warnings.filterwarnings('ignore', message='\\s*Eventlet is deprecated')
warnings.filterwarnings('ignore', message='DSA is deprecated', module='dns\\.dnssecalgs\\.')

from oslo_service import backend as _service_backend  # noqa: E402

try:
    _service_backend.init_backend(_service_backend.BackendType.THREADING)
except _service_backend.exceptions.BackendAlreadySelected:
    pass
