"""Injected HTTP faults, per-call latency, and the log of calls received."""
import dataclasses
import fnmatch
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

SERVICES = ('compute', 'identity')


@dataclasses.dataclass
class Fault:
    """How to answer the next matching requests instead of the normal way.

    Matching: ``service`` (compute or identity), ``method`` and ``path`` (glob
    patterns; the path is below the service root, e.g. ``/servers/*/action``
    for compute or ``/v3/auth/tokens`` for identity) and ``action`` (the first
    key of an action body, e.g. ``evacuate``; None matches any).

    Effect: sleep ``sleep`` seconds; then ``drop`` closes the connection
    without an answer, otherwise answer ``status`` with ``message`` in the
    service's error format (a compute 401 in Keystone's, as keystonemiddleware
    answers it; ``status=None``: answer normally, i.e. a pure delay).
    ``perform`` carries the request out before answering with the fault.
    ``times`` is how many requests it hits (None: all of them).
    """
    service: str = 'compute'
    method: str = '*'
    path: str = '*'
    action: str | None = None
    status: int | None = 500
    message: str | None = None
    sleep: float = 0.0
    drop: bool = False
    perform: bool = False
    times: int | None = 1
    id: int = 0
    hits: int = 0

    def __post_init__(self) -> None:
        if self.service not in SERVICES:
            raise ValueError(f'service must be one of {SERVICES}')
        if self.times is not None and self.times < 1:
            raise ValueError('times must be at least 1 (or None for always)')

    def matches(self, service: str, method: str, path: str, action: str | None) -> bool:
        return (service == self.service
                and fnmatch.fnmatchcase(method.upper(), self.method.upper())
                and fnmatch.fnmatchcase(path, self.path)
                and (self.action is None or self.action == action))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class FaultBook:
    """The active faults; the first one that matches a request takes it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            fault.id = next(self._ids)
            self._faults.append(fault)
            return fault

    def remove(self, fault_id: int) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f.id != fault_id]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, service: str, method: str, path: str, action: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(service, method, path, action):
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self._faults.remove(fault)
                    return dataclasses.replace(fault)
            return None


class CallLog:
    """Every identity and compute request, in the order they arrived."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._calls: list[dict[str, Any]] = []

    def record(self, **fields: Any) -> dict[str, Any]:
        with self._lock:
            call = {'seq': len(self._calls) + 1, 'time': self.clock(), 'status': None, **fields}
            self._calls.append(call)
            return call

    def finish(self, call: dict[str, Any], status: int) -> None:
        with self._lock:
            call['status'] = status

    def since(self, seq: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self._calls[seq:]]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
