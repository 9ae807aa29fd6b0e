"""The recorded progress of a notification's recovery flows.

Every flow run records its tasks in taskflow's persistence tables
(``[taskflow] connection``): one logbook per notification, one flow record
per run, one atom per task with the progress lines in its meta. The engine
answers ``get_notification_recovery_workflow_details`` from here, and the API
reads the same records when no engine answers.
"""
import contextlib
import functools
from importlib import metadata

from oslo_config import cfg
from taskflow import exceptions as taskflow_exceptions
from taskflow.persistence import backends

from masakari import exception
from masakari.db import api as db

CONF = cfg.CONF
TASKS_GROUP = 'masakari.task_flow.tasks'
_RH_METHODS = ('reserved_host', 'rh_priority')


def task_names(notification_type: str, recovery_method: str | None) -> list[str]:
    """Class names of the configured tasks of the flow that handles a
    notification, in the order they run (pre, main, post)."""
    flows = CONF.taskflow_driver_recovery_flows
    if notification_type == 'VM':
        tasks = flows.instance_failure_recovery_tasks
    elif notification_type == 'PROCESS':
        tasks = flows.process_failure_recovery_tasks
    elif recovery_method in _RH_METHODS:
        tasks = flows.host_rh_failure_recovery_tasks
    else:
        tasks = flows.host_auto_failure_recovery_tasks
    classes = _task_classes()
    names = [*tasks.get('pre', []), *tasks.get('main', []), *tasks.get('post', [])]
    return [classes[name] for name in names if name in classes]


@functools.cache
def _task_classes() -> dict[str, str]:
    # A task's atom is named after its class; the entry point names the
    # class, so nothing of the engine has to be imported to read progress.
    return {ep.name: ep.value.rpartition(':')[2].strip()
            for ep in metadata.entry_points(group=TASKS_GROUP)}


@functools.cache
def backend_for(connection: str):
    """The taskflow persistence backend at ``connection`` (one per process)."""
    return backends.fetch({'connection': connection})


def recorded_details(notification_uuid: str, names: list[str]) -> list[dict]:
    """The progress entries of every flow run of a notification, tasks in
    the order of ``names``; tasks that recorded no progress lines are left
    out, as are atoms not named (retry controllers, unknown plug-ins)."""
    if not CONF.taskflow.connection:
        return []
    backend = backend_for(CONF.taskflow.connection)
    with contextlib.closing(backend.get_connection()) as connection:
        try:
            book = connection.get_logbook(notification_uuid)
        except taskflow_exceptions.NotFound:
            return []
    details = []
    for flow in book:
        atoms = {atom.name: atom for atom in flow}
        for name in names:
            atom = atoms.get(name)
            lines = _progress_lines(atom.meta) if atom is not None else []
            if lines:
                details.append({'name': atom.name,
                                'progress': atom.meta.get('progress', 0.0),
                                'progress_details': lines,
                                'state': atom.state})
    return details


def _progress_lines(meta: dict | None) -> list[dict]:
    # taskflow keeps what a task passed to update_progress() under
    # meta['progress_details']['details']; the lines are shown with string
    # values, as upstream's objects coerce them.
    details = ((meta or {}).get('progress_details') or {}).get('details') or {}
    return [{key: None if value is None else str(value) for key, value in line.items()}
            for line in details.get('progress_details') or []]


def workflow_details(context, notification) -> list[dict]:
    """The recorded progress of ``notification`` (a row or object with
    ``notification_uuid``, ``type``, ``source_host_uuid`` and
    ``failover_segment_uuid``)."""
    try:
        recovery_method = None
        if notification.type == 'COMPUTE_HOST':
            host = db.host_get_by_uuid(context, notification.source_host_uuid,
                                       notification.failover_segment_uuid)
            recovery_method = host.failover_segment.recovery_method
        names = task_names(notification.type, recovery_method)
        return recorded_details(notification.notification_uuid, names)
    except Exception as error:
        raise exception.MasakariException(
            'Failed to fetch notification recovery workflow details for '
            f'{notification.notification_uuid}') from error
