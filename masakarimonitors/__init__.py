"""masakari-monitors: the compute-node agents that report failures to Masakari.

Native threads only; nothing here monkey-patches. oslo.privsep imports the
installed eventlet to probe for monkey-patching, so its deprecation banner is
silenced, as is the DSA deprecation warning that cryptography 51 gives when
eventlet imports dnspython's DNSSEC algorithms.
"""
import warnings

warnings.filterwarnings('ignore', message='\\s*Eventlet is deprecated')
warnings.filterwarnings('ignore', message='DSA is deprecated', module='dns\\.dnssecalgs\\.')
