"""Entry point of oslo-config-generator for the masakari.conf namespace."""
import collections

from masakari.conf import MODULES


def list_opts():
    grouped = collections.defaultdict(list)
    for module in MODULES:
        for group, opts in module.list_opts().items():
            grouped[group].extend(opts)
    return sorted(grouped.items(), key=lambda item: str(item[0]))
