"""masakari-manage: database maintenance, and rehearsing recoveries.

    masakari-manage [oslo options] db sync [VERSION | --version VERSION]
    masakari-manage [oslo options] db version
    masakari-manage [oslo options] db purge [--age_in_days N] [--max_rows M]
    masakari-manage [oslo options] scenario run [--write] DIR [DIR ...]
    masakari-manage [oslo options] host bring-back HOST [--enable-service]
    masakari-manage [oslo options] segment release SEGMENT

``scenario run`` replays scenario folders (doc/source/scenarios.rst) on a
simulated cloud, with the options of the configuration files read, and
touches nothing real. ``host bring-back`` powers a fenced host on and clears
its nova-compute's forced_down (doc/source/fencing.rst); ``segment release``
lets the engine recover the host failures the mass-failure guard holds.

Exit codes: 0 success, 1 handled error (message on stderr), 2 usage error.
"""
import argparse
import datetime
import importlib.metadata
import sys

from oslo_config import cfg
from oslo_log import log as logging

from masakari import conf as masakari_conf
from masakari import console_logging
from masakari import exception
from masakari.conf import defaults
from masakari.db import migration
from masakari.db import purge

CONF = masakari_conf.CONF
MAX_INT = 2 ** 31 - 1
CATEGORIES = ('db', 'host', 'scenario', 'segment')


def version_string() -> str:
    return importlib.metadata.version('masakari')


def _db_sync() -> int:
    args = CONF.category
    if args.version and args.version_option and args.version != args.version_option:
        sys.exit('Give the version either as an argument or with --version, '
                 'not both.')
    try:
        migration.db_sync(args.version or args.version_option)
    except (exception.InvalidInput, migration.TaskflowNotConfigured) as error:
        sys.exit(str(error))
    return 0


def _db_version() -> int:
    print(migration.db_version())
    return 0


def validate_purge_args(age_in_days: str, max_rows: int) -> int:
    """The age as an int; SystemExit (status 1) with the upstream message for
    invalid input, checked in upstream's order."""
    if max_rows < -1:
        sys.exit(str(exception.InvalidInput(reason='max_rows must be >= -1')))
    if max_rows > MAX_INT:
        sys.exit(str(exception.InvalidInput(
            reason=f'max_rows must be <= {MAX_INT}')))
    try:
        age = int(age_in_days)
    except ValueError:
        sys.exit(f'Invalid value for age, {age_in_days}')
    if max_rows == 0:
        sys.exit('Must supply value greater than 0 for max_rows.')
    if age < 0:
        sys.exit('Must supply a non-negative value for age.')
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    if age >= (datetime.datetime.now(datetime.timezone.utc) - epoch).days:
        sys.exit('Maximal age is count of days since epoch.')
    return age


def _db_purge() -> int:
    args = CONF.category
    age = validate_purge_args(args.age_in_days, args.max_rows)
    purge.purge_deleted_rows(age, args.max_rows)
    return 0


def _scenario_run() -> int:
    # Imported here: only this command needs the simulated world.
    from masakari.scenario import runner
    args = CONF.category
    return runner.command(args.folders, args.write)


def _host_bring_back() -> int:
    """Power a fenced host on and clear its nova-compute's forced_down; the
    service stays disabled unless --enable-service."""
    from masakari import compute
    from masakari import context as masakari_context
    from masakari import fencing
    args = CONF.category
    context = masakari_context.get_admin_context()
    nova = compute.API()
    try:
        device = fencing.device_for(args.host_name, service_down=lambda name: nova.
                                    find_compute_service(context, name).state == 'down')
        device.power_on()
        print(f'{args.host_name}: powered on through {device.describe()}')
        nova.set_forced_down(context, args.host_name, False)
        print(f'{args.host_name}: nova-compute no longer forced down')
        if args.enable_service:
            nova.enable_disable_service(context, args.host_name, enable=True)
            print(f'{args.host_name}: nova-compute enabled')
        else:
            print(f'{args.host_name}: nova-compute left disabled (--enable-service enables it)')
    except exception.MasakariException as error:
        print(f'{args.host_name}: {error}', file=sys.stderr)
        return 1
    return 0


def _segment_release() -> int:
    from masakari import context as masakari_context
    from masakari.db import api as db
    from masakari.engine import mass_failure
    name = CONF.category.segment
    try:
        released = db.release_held_notifications(masakari_context.get_admin_context(), name,
                                                 mass_failure.HELD, mass_failure.RELEASED)
    except exception.MasakariException as error:
        print(error, file=sys.stderr)
        return 1
    print(f'{name}: {len(released)} held host failure notification(s) released'
          + ''.join(f'\n  {uuid}' for uuid in released))
    return 0


def _category(subparsers: argparse._SubParsersAction, name: str,
              help: str) -> argparse._SubParsersAction:
    """The parsers of the actions of category ``name``, one required."""
    actions = subparsers.add_parser(name, help=help).add_subparsers(
        dest='action', metavar='<action>')
    actions.required = True
    return actions


def _add_category_parsers(subparsers: argparse._SubParsersAction) -> None:
    host_actions = _category(subparsers, 'host', 'Compute hosts the engine fenced.')
    bring_back = host_actions.add_parser(
        'bring-back', help="Power a fenced host on and clear its nova-compute's forced_down.")
    # Not dest 'host': that is an option of masakari.conf.
    bring_back.add_argument('host_name', metavar='HOST')
    bring_back.add_argument('--enable-service', action='store_true',
                            help='Also enable its nova-compute service.')
    bring_back.set_defaults(action_fn=_host_bring_back)

    segment_actions = _category(subparsers, 'segment', 'Failover segments.')
    release = segment_actions.add_parser(
        'release', help='Let the engine recover the host failures held by the '
                        'mass-failure guard.')
    release.add_argument('segment', metavar='SEGMENT', help='Name or uuid.')
    release.set_defaults(action_fn=_segment_release)

    scenario_actions = _category(subparsers, 'scenario',
                                 'Rehearse recoveries on a simulated cloud.')
    run = scenario_actions.add_parser(
        'run', help='Run scenario folders and print what the engine would do.')
    run.add_argument('folders', nargs='+', metavar='DIR')
    run.add_argument('--write', action='store_true',
                     help="Also write each folder's log as its expected.log.")
    run.set_defaults(action_fn=_scenario_run)

    actions = _category(subparsers, 'db', 'Database maintenance.')

    sync = actions.add_parser(
        'sync', help='Upgrade the database schema, then the taskflow tables.')
    sync.add_argument('version', nargs='?',
                      help='Alembic revision to upgrade to (default: head).')
    sync.add_argument('--version', dest='version_option', metavar='VERSION',
                      help='Same as the positional VERSION.')
    sync.set_defaults(action_fn=_db_sync)

    version = actions.add_parser(
        'version', help='Print the alembic revision of the database schema.')
    version.set_defaults(action_fn=_db_version)

    purge_parser = actions.add_parser(
        'purge', help='Hard-delete soft-deleted rows and finished '
                      'notifications older than the given age.')
    purge_parser.add_argument('--age_in_days', default='30', metavar='N',
                              help='Minimum age in days (default: 30).')
    purge_parser.add_argument('--max_rows', type=int, default=-1, metavar='M',
                              help='Most rows to delete in all; -1 for no '
                                   'limit (default).')
    purge_parser.set_defaults(action_fn=_db_purge)


def _print_usage() -> None:
    print(f'\nOpenStack masakari version: {version_string()}\n')
    print(f'{sys.argv[0]} category action [<args>]')
    print('Available categories:')
    for category in CATEGORIES:
        print(f'\t{category}')


def main() -> int:
    if len(sys.argv) < 2:
        _print_usage()
        return 2
    CONF.register_cli_opt(cfg.SubCommandOpt(
        'category', title='Command categories', handler=_add_category_parsers))
    defaults.set_lib_defaults(CONF)
    logging.register_options(CONF)
    try:
        CONF(sys.argv[1:], project='masakari', version=version_string())
    except cfg.ConfigDirNotFoundError as error:
        print(f'Invalid directory: {error.config_dir}', file=sys.stderr)
        return 2
    except (cfg.ConfigFilesNotFoundError,
            cfg.ConfigFilesPermissionDeniedError) as error:
        print('Failed to read configuration file(s): '
              + ', '.join(error.config_files), file=sys.stderr)
        return 2
    console_logging.setup(CONF, 'masakari')
    return CONF.category.action_fn()
