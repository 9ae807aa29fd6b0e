"""masakari-monitors: the compute-node agents that report failures to Masakari.

Native threads only; nothing here imports eventlet or monkey-patches.
"""
