"""What every recovery flow shares: the task base class with its progress
lines, building a flow from the configured task names, and running it with
its progress persisted in the notification's logbook."""
import contextlib
from typing import Any

import taskflow.engines
from oslo_config import cfg
from oslo_log import log as logging
from stevedore import named
from taskflow import exceptions as taskflow_exceptions
from taskflow import retry
from taskflow import states
from taskflow import task
from taskflow.listeners import base as listeners_base
from taskflow.patterns import linear_flow
from taskflow.persistence import models
from taskflow.utils import misc

from masakari import exception
from masakari.compute import errors as compute_errors
from masakari.engine import progress as engine_progress

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# Logbook names, one per failure kind (upstream's ACTION values).
HOST_ACTION = 'instance:evacuate'
INSTANCE_ACTION = 'instance:recovery'
PROCESS_ACTION = 'process:recovery'

RH_MAIN_FLOW = 'retry_instance_evacuate_engine'
RH_RETRY = 'retry_instance_evacuate_engine_retry'


class MasakariTask(task.Task):
    """A recovery task: atom named after its class, with the context and the
    environment it works in (``novaclient`` is the environment's Nova, the
    name plug-in tasks know), recording progress lines operators read as
    ``recovery_workflow_details``."""

    def __init__(self, context, novaclient, env):
        super().__init__(name=type(self).__name__)
        self.context = context
        self.novaclient = novaclient
        self.env = env
        # Kept on the task, so that the attempts of an RH retry within one
        # engine run add to the same list (as upstream).
        self.progress_lines: list[dict] = []

    def update_details(self, message: str, progress: float = 0.0) -> None:
        self.progress_lines.append({'timestamp': str(self.env.utcnow()),
                                    'progress': progress, 'message': message})
        self.update_progress(progress, progress_details=list(self.progress_lines))
        self.env.progress(self.name, message)

    def update_progress(self, progress: float, **details: Any) -> None:
        # taskflow's own update_progress no longer forwards details; the engine
        # persists whatever the event carries besides the progress value as
        # meta['progress_details']['details'].
        progress = misc.clamp(progress, 0.0, 1.0)
        self.notifier.notify(task.EVENT_UPDATE_PROGRESS, {'progress': progress, **details})


def load_tasks(names: list[str], context, env, **task_kwargs: Any) -> list[task.Task]:
    """The tasks registered under ``names``, in that order; stevedore warns
    about (and skips) names nobody registered."""
    manager = named.NamedExtensionManager(
        engine_progress.TASKS_GROUP, names=names, name_order=True, invoke_on_load=True,
        invoke_kwds={'context': context, 'novaclient': env.nova, 'env': env, **task_kwargs})
    return [extension.obj for extension in manager]


def build_flow(action: str, flow_tasks: dict, context, env, rh_retry: bool = False,
               **task_kwargs: Any) -> linear_flow.Flow:
    """The outer flow of ``action``: the ``pre``, ``main`` and ``post`` task
    lists of a ``[taskflow_driver_recovery_flows]`` option, each a linear
    sub-flow. With ``rh_retry`` the main sub-flow is attempted once per
    reserved host of ``reserved_host_list`` (published as ``reserved_host``)."""
    outer = linear_flow.Flow(action.replace(':', '_') + '_engine')
    for part in ('pre', 'main', 'post'):
        if rh_retry and part == 'main':
            sub_flow = linear_flow.Flow(RH_MAIN_FLOW, retry=retry.ParameterizedForEach(
                name=RH_RETRY, provides='reserved_host', rebind=['reserved_host_list']))
        else:
            sub_flow = linear_flow.Flow(f'{part}_tasks')
        sub_flow.add(*load_tasks(flow_tasks[part], context, env, **task_kwargs))
        outer.add(sub_flow)
    return outer


def _logbook(backend, notification_uuid: str, action: str) -> models.LogBook:
    """The notification's logbook, created on its first run."""
    with contextlib.closing(backend.get_connection()) as connection:
        try:
            return connection.get_logbook(notification_uuid)
        except taskflow_exceptions.NotFound:
            book = models.LogBook(action, uuid=notification_uuid)
            connection.save_logbook(book)
            return book


def run_flow(env, flow: linear_flow.Flow, action: str, notification_uuid: str,
             store: dict) -> None:
    """Run ``flow`` as a new flow record of the notification's logbook;
    raises what the failing task raised once the flow has reverted."""
    backend = env.flow_backend()
    book = _logbook(backend, notification_uuid, action)
    engine = taskflow.engines.load(flow, store=store, book=book, backend=backend,
                                   engine='serial')
    with _FailedTaskLog(engine, notification_uuid):
        engine.run()


_NOT_FAILURES = (exception.SkipHostRecoveryException, exception.SkipInstanceRecoveryException,
                 exception.IgnoreInstanceRecoveryException)


class _FailedTaskLog(listeners_base.Listener):
    """Logs why a task failed: the error the manager reports is the flow's
    generic one, and Nova's reason (a refusal, a 500) would be lost."""

    def __init__(self, engine, notification_uuid: str):
        super().__init__(engine, task_listen_for=(states.FAILURE,),
                         flow_listen_for=(), retry_listen_for=())
        self.notification_uuid = notification_uuid

    def _task_receiver(self, state: str, details: dict) -> None:
        failure = details.get('result')
        # A skipped or ignored recovery is an outcome, reported as such.
        if failure is None or failure.check(*_NOT_FAILURES):
            return
        # Masakari's exceptions and Nova's errors carry the reason in their
        # text; anything else is unexpected and worth its traceback.
        expected = failure.check(exception.MasakariException, *compute_errors.CLIENT_ERRORS)
        LOG.warning('Task %s of notification %s failed: %s', details.get('task_name'),
                    self.notification_uuid, failure.exception_str,
                    exc_info=None if expected is not None else failure.exc_info)
