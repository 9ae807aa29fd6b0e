"""masakari-status: upgrade readiness checks (``masakari-status upgrade check``).

Return codes follow oslo.upgradecheck: 0 success, 1 warning, 2 failure,
255 unexpected error.
"""
import sys

from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck

from masakari import conf as masakari_conf

CONF = masakari_conf.CONF


class Checks(upgradecheck.UpgradeCommands):
    """Checks run before upgrading masakari."""

    _upgrade_checks = (
        # A JSON policy file is no longer read; it must be converted to YAML.
        ('Policy File JSON to YAML Migration',
         (common_checks.check_policy_json, {'conf': CONF})),
    )


def main(argv: list[str] | None = None) -> int:
    return upgradecheck.main(
        CONF, project='masakari', upgrade_command=Checks(),
        argv=sys.argv[1:] if argv is None else argv)
