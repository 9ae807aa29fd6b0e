"""Time as the engine sees it: every sleep, poll and timestamp of a recovery
goes through the clock here, so tests can run recoveries without waiting.

``set_clock`` replaces the clock of the whole process (tests only).
"""
import datetime
import time
from collections.abc import Callable


class Clock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def utcnow(self) -> datetime.datetime:
        """Naive UTC now, as the database stores times."""
        return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


_clock = Clock()


def clock() -> Clock:
    return _clock


def set_clock(new: Clock) -> Clock:
    """Use ``new`` from now on; returns the clock it replaces."""
    global _clock
    old, _clock = _clock, new
    return old


def sleep(seconds: float) -> None:
    _clock.sleep(seconds)


def utcnow() -> datetime.datetime:
    return _clock.utcnow()


def wait_until(done: Callable[[], bool], timeout: float, interval: float) -> bool:
    """Poll ``done`` at once, then every ``interval`` seconds, until it
    answers true (True) or more than ``timeout`` seconds have passed since
    the first poll (False)."""
    started = _clock.monotonic()
    while True:
        if done():
            return True
        if _clock.monotonic() - started > timeout:
            return False
        _clock.sleep(interval)
