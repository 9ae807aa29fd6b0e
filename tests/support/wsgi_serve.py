"""Serve an OpenStack WSGI application with gunicorn (gthread, one worker).

Runs under the interpreter of .venv-cloud, not the project's venv, so it
imports nothing from the project:

    .venv-cloud/bin/python tests/support/wsgi_serve.py --app nova.wsgi.osapi_compute \\
        --name nova-api --bind 127.0.0.1:8774 --env OS_NOVA_CONFIG_DIR=/path

``--app`` names a module with an ``application`` attribute.
"""
import argparse
import importlib
import os
import signal
import sys
import threading
import time


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--app', required=True, help='module with `application`')
    parser.add_argument('--name', required=True, help="the application's argv[0]")
    parser.add_argument('--bind', required=True, help='HOST:PORT')
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--env', action='append', default=[], help='KEY=VALUE')
    parser.add_argument('--access-log', action='store_true',
                        help='log every request to stderr')
    parser.add_argument('--parent-pid', type=int,
                        help='shut down when this process is gone')
    return parser.parse_args()


def _watch_parent(pid):
    # A test run killed with SIGKILL cannot stop its servers; the master
    # then stops itself.
    def watch():
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(1)

    threading.Thread(target=watch, name='parent-watch', daemon=True).start()


def main():
    # tests/support holds keystone.py and nova.py, which would shadow the
    # real packages for imports from the script's own directory.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') != here]
    args = _parse_args()
    for item in args.env:
        key, _, value = item.partition('=')
        os.environ[key] = value
    # The applications parse sys.argv with oslo.config when they load; they
    # must not see the options above.
    sys.argv = [args.name]

    from gunicorn.app.base import BaseApplication

    options = {
        'bind': args.bind,
        'workers': 1,
        'worker_class': 'gthread',
        'threads': args.threads,
        'errorlog': '-',
        'accesslog': '-' if args.access_log else None,
        'graceful_timeout': 2,
        'timeout': 120,
        # gunicorn >= 27 opens ~/.gunicorn/gunicorn.ctl, shared by every
        # master on the machine.
        'control_socket_disable': True,
    }

    class Application(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return importlib.import_module(args.app).application

    if args.parent_pid:
        _watch_parent(args.parent_pid)
    Application().run()


if __name__ == '__main__':
    main()
