"""Waiting out the check interval, cut short when a watched process dies.

Linux pidfds (os.pidfd_open) become readable when their process exits, so a
crash is seen at once instead of at the next poll. Where pidfds are not
available the wait is the plain interval and polling alone finds deaths.
"""
import os
import select


class DeathWatch:
    def __init__(self) -> None:
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._pidfds: dict[int, int] = {}

    def watch(self, pids: list[int]) -> None:
        """Watch exactly ``pids`` from now on."""
        wanted = set(pids)
        for pid in list(self._pidfds):
            if pid not in wanted:
                os.close(self._pidfds.pop(pid))
        if not hasattr(os, 'pidfd_open'):
            return
        for pid in wanted - self._pidfds.keys():
            try:
                self._pidfds[pid] = os.pidfd_open(pid)
            except OSError:
                pass   # gone already, or not permitted: polling covers it

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; True if a watched process died
        or ``wake()`` was called first."""
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        for fd in self._pidfds.values():
            poller.register(fd, select.POLLIN)
        events = poller.poll(max(timeout, 0) * 1000)
        self._drain()
        return bool(events)

    def wake(self) -> None:
        try:
            os.write(self._wake_w, b'x')
        except BlockingIOError:
            pass

    def reset_wake(self) -> None:
        self._drain()

    def _drain(self) -> None:
        try:
            while os.read(self._wake_r, 512):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        self.watch([])
