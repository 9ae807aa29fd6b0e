"""Simulated time shared by the stand-in and the code under test."""
import datetime
import threading
import time


class FakeClock:
    """A clock that moves only when told to, or when someone sleeps on it.

    Calling it gives seconds since the epoch, so it serves as the clock of a
    :class:`novasim.Simulator`. ``monotonic``, ``sleep`` and ``utcnow`` make
    it a masakari engine clock as well (``masakari.engine.waits.set_clock``):
    an engine sleep then advances the shared time at once, and Nova's
    asynchronous outcomes (evacuations, stops, starts) land when the engine's
    polls reach their due time, without real waiting.

    Concurrent sleepers each advance the time by their own duration, so with
    several engine threads simulated time runs faster; both sides read the
    same clock, so Nova delays and engine timeouts stay consistent.
    """

    def __init__(self, start: float | None = None):
        # Real time by default: keystoneauth checks token expiry against the
        # real clock, and tokens from a past fake time would look expired
        # before every request.
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError('time cannot go backwards')
        with self._lock:
            self._now += seconds

    def monotonic(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        time.sleep(0)  # let other threads run, as a real sleep would

    def utcnow(self) -> datetime.datetime:
        """Naive UTC, as masakari's engine clock gives it."""
        moment = datetime.datetime.fromtimestamp(self._now, datetime.UTC)
        return moment.replace(tzinfo=None)
