"""The process table as ``ps -ef`` prints it, read through psutil.

Liveness stays upstream's test (QUIRK-10): a process is up when its
configured name is a substring of the whole table text, whichever line
(or column) matches.
"""
import datetime
import os
import time

import psutil

_ATTRS = ['pid', 'ppid', 'username', 'uids', 'name', 'cmdline',
          'create_time', 'cpu_times', 'terminal', 'status']


def _line(info: dict, now: float) -> str:
    user = info['username'] or (str(info['uids'].real) if info['uids']
                                else '?')
    if len(user) > 8:
        user = str(info['uids'].real) if info['uids'] else user[:7] + '+'
    started = info['create_time'] or now
    cpu = info['cpu_times']
    used = int(cpu.user + cpu.system) if cpu else 0
    c = int(100 * used / max(now - started, 1))
    stamp = datetime.datetime.fromtimestamp(started)
    stime = stamp.strftime('%H:%M' if now - started < 86400 else '%b%d')
    tty = (info['terminal'] or '?').removeprefix('/dev/')
    hours, rest = divmod(used, 3600)
    cputime = f'{hours:02d}:{rest // 60:02d}:{rest % 60:02d}'
    if info['cmdline']:
        cmd = ' '.join(info['cmdline'])
    else:
        cmd = f"[{info['name']}]"
    if info['status'] == psutil.STATUS_ZOMBIE:
        cmd = f"[{info['name']}] <defunct>"
    return (f"{user:<8} {info['pid']:>5} {info['ppid']:>5} {min(c, 99):>2} "
            f'{stime} {tty:<8} {cputime} {cmd}')


def snapshot() -> list[tuple[int, str]]:
    """(pid, ps -ef line) for every process, the monitor's own included."""
    now = time.time()
    rows = []
    for proc in psutil.process_iter(_ATTRS, ad_value=None):
        info = proc.info
        rows.append((info['pid'], _line(info, now)))
    return rows


def text(rows: list[tuple[int, str]]) -> str:
    header = 'UID        PID  PPID  C STIME TTY          TIME CMD'
    return '\n'.join([header] + [line for _, line in rows]) + '\n'


def matching_pids(rows: list[tuple[int, str]], name: str) -> list[int]:
    # A zombie's pidfd is readable at once: watching one would spin.
    return [pid for pid, line in rows
            if name in line and pid != os.getpid()
            and not line.endswith(' <defunct>')]
