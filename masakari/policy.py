"""The policy enforcer of the API, built once per process."""
import threading
import time

from oslo_config import cfg
from oslo_policy import policy

from masakari import exception
from masakari import policies

_ENFORCER = None
_LOCK = threading.Lock()
# Seconds between two looks for a new or changed policy file.
RELOAD_INTERVAL = 1.0


class _Enforcer(policy.Enforcer):
    """oslo.policy looks for the policy file and policy.d directories
    (several stat calls over every config directory) on each check, and a
    request makes several checks: without a policy file that search was
    most of the cost of a request. Looking once a second still picks up an
    edited policy file without a restart."""

    _next_look = 0.0

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        if force_reload or not self.rules or now >= self._next_look:
            self._next_look = now + RELOAD_INTERVAL
            super().load_rules(force_reload)


def get_enforcer(conf: cfg.ConfigOpts = cfg.CONF) -> policy.Enforcer:
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            _ENFORCER = _Enforcer(conf)
            _ENFORCER.register_defaults(policies.list_rules())
        return _ENFORCER


def reset() -> None:
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is not None:
            _ENFORCER.clear()
        _ENFORCER = None


def _target(context) -> dict:
    return {'project_id': context.project_id, 'user_id': context.user_id}


def authorize(context, action: str) -> None:
    """Raise PolicyNotAuthorized unless ``context`` may perform ``action``."""
    try:
        get_enforcer().authorize(action, _target(context), context,
                                 do_raise=True,
                                 exc=exception.PolicyNotAuthorized,
                                 action=action)
    except policy.PolicyNotRegistered:
        raise exception.PolicyNotAuthorized(action=action)


def check(context, action: str) -> bool:
    return get_enforcer().authorize(action, _target(context), context)


def check_is_admin(context) -> bool:
    return get_enforcer().authorize('context_is_admin', _target(context),
                                    context)
