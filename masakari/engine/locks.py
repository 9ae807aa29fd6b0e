"""Named locks of the engine.

Within one engine process a lock is a plain mutex. With ``[coordination]
backend_url`` set it is also a tooz lock, so that engines on several nodes
sharing one broker never run the same recovery at the same time.
"""
import contextlib
import threading

from oslo_config import cfg
from oslo_log import log as logging

from masakari import exception

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()
_coordinator = None
_coordinator_guard = threading.Lock()


def _local(name: str) -> threading.Lock:
    with _local_guard:
        return _local_locks.setdefault(name, threading.Lock())


def _tooz():
    """The started tooz coordinator of this process, or None without one."""
    global _coordinator
    if not CONF.coordination.backend_url:
        return None
    with _coordinator_guard:
        if _coordinator is None:
            from tooz import coordination
            member = f'masakari-engine-{CONF.host}-{id(_local_locks)}'.encode()
            _coordinator = coordination.get_coordinator(
                CONF.coordination.backend_url, member)
            _coordinator.start(start_heart=True)
        return _coordinator


def distributed() -> bool:
    """Whether locks hold across every engine (coordination configured)."""
    return bool(CONF.coordination.backend_url)


def stop() -> None:
    """Leave the coordination backend (at process exit)."""
    global _coordinator
    with _coordinator_guard:
        if _coordinator is not None:
            _coordinator.stop()
            _coordinator = None


@contextlib.contextmanager
def lock(name: str, blocking: bool = True):
    """Hold the lock ``name``; with ``blocking=False`` raise
    LockAlreadyAcquired at once if someone holds it."""
    local = _local(name)
    if not local.acquire(blocking=blocking):
        raise exception.LockAlreadyAcquired(resource=name.removeprefix('masakari-'))
    try:
        coordinator = _tooz()
        if coordinator is None:
            yield
            return
        distributed = coordinator.get_lock(name.encode())
        if not distributed.acquire(blocking=blocking):
            raise exception.LockAlreadyAcquired(resource=name.removeprefix('masakari-'))
        try:
            yield
        finally:
            distributed.release()
    finally:
        local.release()
