"""masakari-monitors: the compute-node agents that report failures to Masakari.

Native threads only; nothing here monkey-patches. oslo.privsep imports the
installed eventlet to probe for monkey-patching, so its deprecation banner is
silenced.
"""
import warnings

warnings.filterwarnings('ignore', message='\\s*Eventlet is deprecated')
