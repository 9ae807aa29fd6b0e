"""masakari-hostmonitor: watches the cluster's hosts, reports failed ones."""
import sys

from masakarimonitors import service


def main() -> None:
    sys.exit(service.run('masakarimonitors-hostmonitor'))
