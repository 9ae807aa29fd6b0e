"""Named locks of the engine.

Within one engine process a lock is a plain mutex. With ``[coordination]
backend_url`` set it is also a tooz lock, so that engines on several nodes
sharing one broker never run the same recovery at the same time.

While the coordination backend does not answer, no recovery runs without
its distributed lock: taking a lock raises CoordinationUnavailable, the
notification stays new (or error) and the periodic task retries it once
the backend answers again. A thread of the engine beats the backend's
heartbeat; a backend that has not answered for longer than its lock
timeout (when our locks there may have expired) counts as down at once,
without waiting for the client library's own retries (about a minute with
Redis); so does one that has not answered the engine's first connection
within FIRST_CONNECT_WAIT.
"""
import contextlib
import threading
import time

from oslo_config import cfg
from oslo_log import log as logging

from masakari import exception

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()
_coordinator = None
_coordinator_guard = threading.Lock()
_beater: threading.Thread | None = None
_stopping = threading.Event()
# What the engine knows of the backend, under _state_guard.
_state_guard = threading.Lock()
_down = False
_last_answer = 0.0
# Seconds without an answer after which the backend counts as down; None
# for backends without a heartbeat, judged by each call only.
_answer_within: float | None = None
# Wait between two attempts to reach a backend that did not answer.
RETRY_INTERVAL = 1.0
# How long the first lock waits for the first connection to the backend.
FIRST_CONNECT_WAIT = 10.0
_first_attempt = threading.Event()


def _local(name: str) -> threading.Lock:
    with _local_guard:
        return _local_locks.setdefault(name, threading.Lock())


def _tooz(resource: str):
    """The started tooz coordinator of this process, or None without one.
    Raises CoordinationUnavailable for ``resource`` while its backend is not
    answering."""
    global _beater
    if not CONF.coordination.backend_url:
        return None
    with _coordinator_guard:
        if _beater is None:
            _stopping.clear()
            _first_attempt.clear()
            _beater = threading.Thread(target=_beat, daemon=True,
                                       name='coordination-heartbeat')
            _beater.start()
    # A backend that answers does so at once; one that does not would keep
    # the caller for the client's retries.
    if not _first_attempt.wait(FIRST_CONNECT_WAIT):
        # Later callers need not wait: the backend is down until it answers.
        _first_attempt.set()
        _lost(f'no answer in {FIRST_CONNECT_WAIT:.0f} s')
    coordinator = _coordinator
    if coordinator is None or not _answering():
        raise exception.CoordinationUnavailable(resource=resource)
    return coordinator


def _connect() -> None:
    global _coordinator
    import tooz
    from tooz import coordination
    member = f'masakari-engine-{CONF.host}-{id(_local_locks)}'.encode()
    coordinator = coordination.get_coordinator(CONF.coordination.backend_url, member)
    try:
        # No tooz heart: _beat beats, and so knows whether the backend answers.
        coordinator.start()
        interval = coordinator.heartbeat() if coordinator.requires_beating else None
    except tooz.ToozError as error:
        _lost(error)
        return
    if _stopping.is_set():
        # stop() came while this attempt waited for the backend.
        with contextlib.suppress(tooz.ToozError):
            coordinator.stop()
        return
    _coordinator = coordinator
    _answered(interval)


def _beat() -> None:
    import tooz
    wait = 0.0
    while not _stopping.wait(wait):
        coordinator = _coordinator
        wait = RETRY_INTERVAL
        if coordinator is None:
            _connect()
            _first_attempt.set()
            continue
        if not coordinator.requires_beating:
            continue
        try:
            interval = coordinator.heartbeat()
        except tooz.ToozError as error:
            _lost(error)
            continue
        _answered(interval)
        wait = interval / 2


def _answered(interval: float | None = None) -> None:
    global _down, _last_answer, _answer_within
    with _state_guard:
        _last_answer = time.monotonic()
        if interval:
            _answer_within = interval
        if _down:
            _down = False
            LOG.warning('The coordination backend answers again; recoveries '
                        'take their locks there again.')


def _lost(reason) -> None:
    global _down
    with _state_guard:
        if not _down:
            _down = True
            LOG.error('The coordination backend is not answering (%s); '
                      'recoveries wait for it, their notifications are '
                      'retried by the periodic task.', reason)


def _answering() -> bool:
    with _state_guard:
        within, silent = _answer_within, time.monotonic() - _last_answer
    if within is None or silent <= within:
        return not _down or within is None
    _lost(f'no answer for {silent:.0f} s')
    return False


def distributed() -> bool:
    """Whether locks hold across every engine (coordination configured)."""
    return bool(CONF.coordination.backend_url)


def stop() -> None:
    """Leave the coordination backend (at process exit)."""
    global _coordinator, _beater, _down, _last_answer, _answer_within
    import tooz
    with _coordinator_guard:
        _stopping.set()
        if _beater is not None:
            _beater.join(timeout=RETRY_INTERVAL)
        # A backend that does not answer forgets us when our membership and
        # locks expire; leaving it would wait for the client's retries.
        if _coordinator is not None and _answering():
            with contextlib.suppress(tooz.ToozError):
                _coordinator.stop()
        _coordinator = _beater = None
        with _state_guard:
            _down, _last_answer, _answer_within = False, 0.0, None


@contextlib.contextmanager
def lock(name: str, blocking: bool = True):
    """Hold the lock ``name``; with ``blocking=False`` raise
    LockAlreadyAcquired at once if someone holds it. Raise
    CoordinationUnavailable if the coordination backend is not answering."""
    resource = name.removeprefix('masakari-')
    local = _local(name)
    if not local.acquire(blocking=blocking):
        raise exception.LockAlreadyAcquired(resource=resource)
    try:
        coordinator = _tooz(resource)
        if coordinator is None:
            yield
            return
        distributed = _acquire(coordinator, name, resource, blocking)
        try:
            yield
        finally:
            _release(distributed)
    finally:
        local.release()


def _acquire(coordinator, name: str, resource: str, blocking: bool):
    import tooz
    distributed = coordinator.get_lock(name.encode())
    try:
        acquired = distributed.acquire(blocking=blocking)
    except tooz.ToozError as error:
        _lost(error)
        raise exception.CoordinationUnavailable(resource=resource) from None
    _answered()
    if not acquired:
        raise exception.LockAlreadyAcquired(resource=resource)
    return distributed


def _release(distributed) -> None:
    import tooz
    try:
        distributed.release()
    except tooz.ToozError as error:
        # The backend drops the lock when it expires.
        _lost(error)
