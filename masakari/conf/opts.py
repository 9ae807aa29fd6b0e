"""Entry points of oslo-config-generator: the masakari.conf namespace and
the customized recovery flow options."""
import collections

from masakari.conf import MODULES
from masakari.conf import recovery_flows


def list_opts():
    grouped = collections.defaultdict(list)
    for module in MODULES:
        for group, opts in module.list_opts().items():
            grouped[group].extend(opts)
    return sorted(grouped.items(), key=lambda item: str(item[0]))


def list_recovery_flow_opts():
    return list(recovery_flows.list_opts().items())
