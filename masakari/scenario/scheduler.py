"""Virtual time for a scenario: fibers that take turns.

The engine's code runs unchanged in real threads, but only one of them runs
at a time, and only until it sleeps, waits for a lock or for other fibers,
or ends. The scheduler then resumes the fiber due first (by virtual time,
then by the order it was queued), so a run gives the same log every time
and an hour of waiting costs nothing.
"""
import heapq
import itertools
import threading
from collections.abc import Callable


class Stopped(BaseException):
    """Raised in a fiber whose engine died or whose ticker was stopped: the
    fiber unwinds without touching the world again. A BaseException, so
    that the engine's ``except Exception`` handlers do not take it for a
    failure to report."""


class Owner:
    """Who fibers act for: an engine, the API or the scenario itself."""

    def __init__(self, name: str):
        self.name = name
        self.alive = True


class Fiber:
    def __init__(self, scheduler: 'Scheduler', owner: Owner, run: Callable[[], None],
                 background: bool):
        self.scheduler = scheduler
        self.owner = owner
        self.run = run
        # Periodic and heartbeat tickers: the scenario may end while they wait.
        self.background = background
        self.done = False
        self.killed = False
        # What escaped ``run``: a mistake of the scenario or a bug, which
        # the runner reports.
        self.failure: Exception | None = None
        self.joiners: list[Fiber] = []
        self.entry: list | None = None
        self.turn = threading.Event()
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        self.turn.wait()
        self.turn.clear()
        try:
            if not self.killed:
                self.run()
        except Stopped:
            pass
        except Exception as error:
            self.failure = error
        finally:
            self.done = True
            for joiner in self.joiners:
                self.scheduler.wake(joiner)
            self.scheduler.yielded.set()


class Scheduler:
    def __init__(self) -> None:
        self.now = 0.0
        self.current: Fiber | None = None
        self.fibers: list[Fiber] = []
        self.yielded = threading.Event()
        self._queue: list[list] = []
        self._order = itertools.count()
        self._threads: dict[int, Fiber] = {}

    # -- from anywhere ------------------------------------------------------------

    def spawn(self, owner: Owner, run: Callable[[], None], delay: float = 0.0,
              background: bool = False) -> Fiber:
        fiber = Fiber(self, owner, run, background)
        self.fibers.append(fiber)
        fiber.thread.start()
        self._threads[fiber.thread.ident] = fiber
        self._queue_at(fiber, self.now + delay)
        return fiber

    def wake(self, fiber: Fiber) -> None:
        """Let ``fiber``, parked, run again now."""
        if not fiber.done:
            self._queue_at(fiber, self.now)

    def kill(self, owner: Owner) -> None:
        """``owner`` died: each of its fibers stops at its next turn."""
        owner.alive = False
        for fiber in self.fibers:
            if fiber.owner is owner and not fiber.done:
                self.stop(fiber)

    def stop(self, fiber: Fiber) -> None:
        fiber.killed = True
        self.wake(fiber)

    def fiber_of_thread(self) -> Fiber | None:
        return self._threads.get(threading.get_ident())

    def _queue_at(self, fiber: Fiber, at: float) -> None:
        if fiber.entry is not None:
            fiber.entry[2] = None  # the earlier turn no longer counts
        fiber.entry = [at, next(self._order), fiber]
        heapq.heappush(self._queue, fiber.entry)

    # -- from the running fiber ---------------------------------------------------

    def sleep(self, seconds: float) -> None:
        fiber = self._running()
        self._queue_at(fiber, self.now + max(seconds, 0.0))
        self._switch(fiber)

    def park(self) -> None:
        """Wait until someone wakes this fiber."""
        self._switch(self._running())

    def join(self, fibers: list[Fiber]) -> None:
        fiber = self._running()
        while not all(other.done for other in fibers):
            for other in fibers:
                if not other.done and fiber not in other.joiners:
                    other.joiners.append(fiber)
            self._switch(fiber)

    def check(self) -> None:
        """Raise Stopped in a fiber whose engine died."""
        fiber = self.fiber_of_thread()
        if fiber is not None and (fiber.killed or not fiber.owner.alive):
            raise Stopped()

    def _running(self) -> Fiber:
        fiber = self.fiber_of_thread()
        if fiber is None or fiber is not self.current:
            raise RuntimeError('only a scenario fiber may wait in virtual time')
        return fiber

    def _switch(self, fiber: Fiber) -> None:
        if fiber.killed:
            raise Stopped()
        self.yielded.set()
        fiber.turn.wait()
        fiber.turn.clear()
        if fiber.killed:
            raise Stopped()

    # -- from the runner ---------------------------------------------------------

    def next_time(self) -> float | None:
        while self._queue and self._queue[0][2] is None:
            heapq.heappop(self._queue)
        return self._queue[0][0] if self._queue else None

    def step(self) -> None:
        """Give the turn to the fiber due first, until it yields it back."""
        at, _, fiber = heapq.heappop(self._queue)
        fiber.entry = None
        self.now = max(self.now, at)
        self.current = fiber
        self.yielded.clear()
        fiber.turn.set()
        self.yielded.wait()
        self.current = None

    def busy(self) -> bool:
        """Whether a fiber that is not a ticker has yet to end."""
        return any(not fiber.done and not fiber.background for fiber in self.fibers)

    def shut_down(self) -> None:
        """End every fiber still waiting, and their threads."""
        for fiber in self.fibers:
            if not fiber.done:
                fiber.killed = True
                self.current = fiber
                self.yielded.clear()
                fiber.turn.set()
                self.yielded.wait()
        self.current = None
        for fiber in self.fibers:
            fiber.thread.join(timeout=5)
