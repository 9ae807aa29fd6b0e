"""masakari-processmonitor: restarts local services, reports the ones that
will not stay up."""
import sys

from masakarimonitors import service


def main() -> None:
    sys.exit(service.run('masakarimonitors-processmonitor'))
