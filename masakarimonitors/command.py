"""Running an operator's command: no shell, split on spaces.

Commands to run as root go through the monitor's oslo.privsep daemon when
the monitor is not root itself (see masakarimonitors.privsep).
"""
import os
import subprocess
from collections.abc import Mapping

from oslo_concurrency import processutils

from masakarimonitors import privsep
from masakarimonitors.conf import CONF


def execute(command: str, run_as_root: bool = False,
            secret_env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Run ``command``, wait for it and return (stdout, stderr).

    ``secret_env`` holds variables added to the program's environment:
    the way to hand it a password, which in its argv anyone could read
    with ``ps`` and which the error text below would carry into logs.

    Raises ProcessExecutionError (oslo.concurrency's, for its multi-line
    text) on a non-zero exit, and OSError when the program cannot be run.
    """
    argv = command.split()
    if run_as_root and os.geteuid() != 0:
        privsep.use_config_files_of(CONF)
        result, error = _run_as_root(argv, dict(secret_env or {}))
        if error is not None:
            raise OSError(*error)
        returncode, stdout, stderr = result
    else:
        returncode, stdout, stderr = _run(argv, secret_env)
    if returncode != 0:
        raise processutils.ProcessExecutionError(
            stdout=stdout, stderr=stderr, exit_code=returncode,
            cmd=' '.join(argv))
    return stdout, stderr


def _run(argv: list[str], secret_env: Mapping[str, str] | None = None
         ) -> tuple[int, str, str]:
    # subprocess rather than processutils.execute: its preexec_fn runs the
    # at-fork hooks of whatever is imported (eventlet warns from them).
    env = {**os.environ, **secret_env} if secret_env else None
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, env=env,
                            capture_output=True, text=True, check=False)
    return result.returncode, result.stdout, result.stderr


@privsep.monitors_priv.entrypoint
def _run_as_root(argv: list[str], secret_env: dict[str, str]
                 ) -> tuple[tuple | None, tuple | None]:
    """``_run`` in the privsep daemon: (its result, None), or (None, the
    errno, text and file name of the OSError it raised). oslo.privsep would
    re-raise the OSError from its args alone, losing the file name."""
    try:
        return _run(argv, secret_env), None
    except OSError as error:
        return None, (error.errno, error.strerror, error.filename)
