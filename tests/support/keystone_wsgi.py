"""Serve Keystone's WSGI application with gunicorn (gthread, one worker).

Runs under the interpreter of .venv-keystone, not the project's venv, so it
imports nothing from the project:

    .venv-keystone/bin/python tests/support/keystone_wsgi.py \\
        --config-file /path/keystone.conf --bind 127.0.0.1:5000
"""
import argparse
import os
import signal
import sys
import threading
import time


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config-file', required=True)
    parser.add_argument('--bind', required=True, help='HOST:PORT')
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--access-log', action='store_true',
                        help='log every request to stderr')
    parser.add_argument('--parent-pid', type=int,
                        help='shut down when this process is gone')
    return parser.parse_args()


def _watch_parent(pid):
    # A test run killed with SIGKILL cannot stop its Keystone; this makes the
    # gunicorn master shut down (gracefully, via SIGTERM) on its own instead.
    def watch():
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(1)

    threading.Thread(target=watch, name='parent-watch', daemon=True).start()


def main():
    # This file sits next to tests/support/keystone.py, which would shadow the
    # keystone package for imports from the script's own directory.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') != here]
    args = _parse_args()
    # Keystone reads its config files from the environment ...
    os.environ['OS_KEYSTONE_CONFIG_FILES'] = os.path.abspath(args.config_file)
    # ... and parses sys.argv with oslo.config when the app loads, which must
    # not see the options above.
    sys.argv = ['keystone']

    from gunicorn.app.base import BaseApplication

    options = {
        'bind': args.bind,
        'workers': 1,
        'worker_class': 'gthread',
        'threads': args.threads,
        'errorlog': '-',
        'accesslog': '-' if args.access_log else None,
        'graceful_timeout': 2,
        # gunicorn >= 27 opens ~/.gunicorn/gunicorn.ctl, shared by every
        # master on the machine; parallel test runs would collide on it.
        'control_socket_disable': True,
    }

    class KeystoneApplication(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            from keystone.server import wsgi
            return wsgi.initialize_public_application()

    if args.parent_pid:
        _watch_parent(args.parent_pid)
    KeystoneApplication().run()


if __name__ == '__main__':
    main()
