"""``python -m masakari.scenario run DIR... [--write]``: what
``masakari-manage scenario run`` does, without reading masakari.conf."""
import argparse
import sys

from masakari import conf as masakari_conf
from masakari.conf import defaults
from masakari.scenario import runner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m masakari.scenario')
    actions = parser.add_subparsers(dest='action', required=True)
    run = actions.add_parser('run', help='Run scenario folders and print their logs.')
    run.add_argument('folders', nargs='+', metavar='DIR')
    run.add_argument('--write', action='store_true',
                     help='Also write each log to the folder as expected.log.')
    args = parser.parse_args(argv)
    defaults.set_lib_defaults(masakari_conf.CONF)
    masakari_conf.CONF([], project='masakari')
    return runner.command(args.folders, args.write)


if __name__ == '__main__':
    sys.exit(main())
