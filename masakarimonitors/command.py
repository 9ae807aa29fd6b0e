"""Running an operator's command (spec §1.3): no shell, split on spaces."""
import os
import subprocess

from oslo_concurrency import processutils

# Without privsep: as root run directly, otherwise through sudo.
ROOT_HELPER = ['sudo', '-n']


def execute(command: str, run_as_root: bool = False) -> tuple[str, str]:
    """Run ``command``, wait for it and return (stdout, stderr).

    Raises ProcessExecutionError (oslo.concurrency's, for its multi-line
    text) on a non-zero exit, and OSError when the program cannot be run.
    """
    argv = command.split()
    if run_as_root and os.geteuid() != 0:
        argv = ROOT_HELPER + argv
    # subprocess rather than processutils.execute: its preexec_fn runs the
    # at-fork hooks of whatever is imported (eventlet warns from them).
    result = subprocess.run(argv, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise processutils.ProcessExecutionError(
            stdout=result.stdout, stderr=result.stderr,
            exit_code=result.returncode, cmd=' '.join(argv))
    return result.stdout, result.stderr
