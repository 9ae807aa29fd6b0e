"""Rehearsing recoveries: the engine's real logic on a simulated cloud.

See doc/source/scenarios.rst for the scenario folder format and
``masakari-manage scenario run``.
"""
