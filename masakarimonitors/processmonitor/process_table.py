"""The process table as ``ps -ef`` prints it, read through psutil.

Liveness stays upstream's test: a process is up when its configured name
is a substring of the whole table text, whichever line (or column)
matches. Upstream masakari-monitors does so; kept because existing
process lists rely on names that match any part of a line.
"""
import datetime
import os
import time

import psutil

# Columns that cannot change while a process lives (its pid and start
# time name it), kept between checks: only the stat and cmdline files are
# read again, the checks' main cost with a few hundred processes.
_fixed_columns: dict[tuple[int, float], tuple[str, str, str]] = {}


def _fixed(proc: psutil.Process, started: float, now: float,
           kept: dict) -> tuple[str, str, str]:
    """USER, STIME and TTY of one process, remembered in ``kept``."""
    key = (proc.pid, started)
    columns = _fixed_columns.get(key)
    if columns is None:
        columns = (_user(proc), _stime(started, now), _tty(proc))
    kept[key] = columns
    return columns


def _user(proc: psutil.Process) -> str:
    try:
        uids = proc.uids()
    except psutil.Error:
        return '?'
    try:
        user = proc.username()
    except (psutil.Error, KeyError):
        user = str(uids.real)
    return str(uids.real) if len(user) > 8 else user


def _stime(started: float, now: float) -> str:
    stamp = datetime.datetime.fromtimestamp(started)
    return stamp.strftime('%H:%M' if now - started < 86400 else '%b%d')


def _tty(proc: psutil.Process) -> str:
    try:
        terminal = proc.terminal()
    except psutil.Error:
        terminal = None
    return (terminal or '?').removeprefix('/dev/')


def _line(proc: psutil.Process, now: float, kept: dict) -> str | None:
    try:
        with proc.oneshot():
            started = proc.create_time()
            ppid = proc.ppid()
            cpu = proc.cpu_times()
            status = proc.status()
            name = proc.name()
            cmdline = proc.cmdline()
    except psutil.Error:
        return None   # gone since the listing
    user, stime, tty = _fixed(proc, started, now, kept)
    used = int(cpu.user + cpu.system)
    c = int(100 * used / max(now - started, 1))
    hours, rest = divmod(used, 3600)
    cputime = f'{hours:02d}:{rest // 60:02d}:{rest % 60:02d}'
    cmd = ' '.join(cmdline) if cmdline else f'[{name}]'
    if status == psutil.STATUS_ZOMBIE:
        cmd = f'[{name}] <defunct>'
    return (f'{user:<8} {proc.pid:>5} {ppid:>5} {min(c, 99):>2} '
            f'{stime} {tty:<8} {cputime} {cmd}')


def snapshot() -> list[tuple[int, str]]:
    """(pid, ps -ef line) for every process, the monitor's own included."""
    global _fixed_columns
    now = time.time()
    rows, kept = [], {}
    for proc in psutil.process_iter():
        line = _line(proc, now, kept)
        if line is not None:
            rows.append((proc.pid, line))
    _fixed_columns = kept   # forget the processes that are gone
    return rows


def text(rows: list[tuple[int, str]]) -> str:
    header = 'UID        PID  PPID  C STIME TTY          TIME CMD'
    return '\n'.join([header] + [line for _, line in rows]) + '\n'


def matching_pids(rows: list[tuple[int, str]], name: str) -> list[int]:
    # A zombie's pidfd is readable at once: watching one would spin.
    return [pid for pid, line in rows
            if name in line and pid != os.getpid()
            and not line.endswith(' <defunct>')]
