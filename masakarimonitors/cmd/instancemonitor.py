"""masakari-instancemonitor: reports VMs that libvirt sees fail."""
import sys

from masakarimonitors import service


def main() -> None:
    sys.exit(service.run('masakarimonitors-instancemonitor'))
