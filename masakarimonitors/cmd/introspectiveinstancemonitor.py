"""masakari-introspectiveinstancemonitor: reports hung guests (QEMU agent)."""
import sys

from masakarimonitors import service


def main() -> None:
    sys.exit(service.run('masakarimonitors-introspectiveinstancemonitor'))
