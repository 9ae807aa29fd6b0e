"""The taskflow driver: runs the recovery flow of a notification.

Each failure kind has an outer flow of configured ``pre``, ``main`` and
``post`` tasks (``[taskflow_driver_recovery_flows]``), persisted in the
notification's logbook on ``[taskflow] connection``.
"""
from collections.abc import Callable

from oslo_config import cfg
from oslo_log import log as logging

from masakari import exception
from masakari.engine import progress
from masakari.engine.drivers.taskflow import base

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# Exceptions of a host recovery the manager maps itself; anything else
# becomes the generic "Failed to execute host failure flow" error.
_HOST_OUTCOMES = (exception.SkipHostRecoveryException,
                  exception.HostRecoveryFailureException,
                  exception.ReservedHostsUnavailable)
_INSTANCE_OUTCOMES = (exception.SkipInstanceRecoveryException,
                      exception.IgnoreInstanceRecoveryException,
                      exception.InstanceRecoveryFailureException)


class TaskFlowDriver:
    def __init__(self, env):
        if not CONF.taskflow.connection:
            raise exception.InvalidConfiguration(
                '[taskflow] connection should be configured to use this driver.')
        self.env = env
        # Opened here, not by the first recovery: loading the persistence
        # layer takes about a third of a second, which would delay fencing.
        env.flow_backend()

    # -- host failure -----------------------------------------------------------

    def execute_host_failure(self, context, host_name: str, recovery_method: str,
                             notification_uuid: str, update_host_method: Callable,
                             reserved_host_list: list[str] | None = None) -> None:
        """Evacuate the instances of the failed ``host_name`` by the segment's
        recovery method (auto, reserved_host, auto_priority, rh_priority)."""
        def auto() -> None:
            self._run_auto_flow(context, host_name, notification_uuid)

        def reserved_host() -> None:
            self._run_rh_flow(context, host_name, notification_uuid,
                              update_host_method, reserved_host_list)

        try:
            if recovery_method == 'auto':
                auto()
            elif recovery_method == 'reserved_host':
                reserved_host()
            elif recovery_method == 'auto_priority':
                _with_fallback(auto, reserved_host, (
                    "Failed to evacuate all instances from failed_host: '%s' using "
                    "'auto' workflow, retrying using 'reserved_host' workflow."), host_name)
            elif recovery_method == 'rh_priority':
                _with_fallback(reserved_host, auto, (
                    "Failed to evacuate all instances from failed_host '%s' using "
                    "'reserved_host' workflow, retrying using 'auto' workflow"), host_name)
            else:
                raise exception.MasakariException(
                    f'Unknown recovery method {recovery_method}')
        except _HOST_OUTCOMES:
            raise
        except Exception as error:
            raise exception.MasakariException(
                'Failed to execute host failure flow for notification '
                f"'{notification_uuid}'.") from error

    def _run_auto_flow(self, context, host_name: str, notification_uuid: str) -> None:
        flow = base.build_flow(
            base.HOST_ACTION, CONF.taskflow_driver_recovery_flows.host_auto_failure_recovery_tasks,
            context=context, env=self.env, update_host_method=None)
        base.run_flow(self.env, flow, base.HOST_ACTION, notification_uuid,
                      {'host_name': host_name, 'notification_uuid': notification_uuid})

    def _run_rh_flow(self, context, host_name: str, notification_uuid: str,
                     update_host_method: Callable,
                     reserved_host_list: list[str] | None) -> None:
        if not reserved_host_list:
            raise exception.ReservedHostsUnavailable()
        flow = base.build_flow(
            base.HOST_ACTION, CONF.taskflow_driver_recovery_flows.host_rh_failure_recovery_tasks,
            rh_retry=True, context=context, env=self.env,
            update_host_method=update_host_method)
        try:
            base.run_flow(self.env, flow, base.HOST_ACTION, notification_uuid,
                          {'host_name': host_name, 'notification_uuid': notification_uuid,
                           'reserved_host_list': reserved_host_list})
        except exception.LockAlreadyAcquired as error:
            # Every reserved host was busy with another recovery.
            raise exception.HostRecoveryFailureException(str(error)) from error

    # -- instance failure -------------------------------------------------------

    def execute_instance_failure(self, context, instance_uuid: str,
                                 notification_uuid: str) -> None:
        """Restart the failed instance (stop, start, confirm by default)."""
        try:
            flow = base.build_flow(
                base.INSTANCE_ACTION,
                CONF.taskflow_driver_recovery_flows.instance_failure_recovery_tasks,
                context=context, env=self.env)
        except Exception as error:
            raise exception.MasakariException(
                'Failed to create instance failure flow for notification '
                f"'{notification_uuid}'.") from error
        try:
            base.run_flow(self.env, flow, base.INSTANCE_ACTION, notification_uuid,
                          {'instance_uuid': instance_uuid,
                           'notification_uuid': notification_uuid})
        except _INSTANCE_OUTCOMES:
            raise
        except Exception as error:
            raise exception.MasakariException(
                'Failed to execute instance failure flow for notification '
                f"'{notification_uuid}'.") from error

    # -- process failure --------------------------------------------------------

    def execute_process_failure(self, context, process_name: str, host_name: str,
                                notification_uuid: str) -> None:
        """Take the host of a failed nova-compute out of scheduling; other
        processes have no recovery."""
        if process_name != 'nova-compute':
            LOG.warning('Skipping recovery for process: %s.', process_name)
            raise exception.SkipProcessRecoveryException()
        try:
            flow = base.build_flow(
                base.PROCESS_ACTION,
                CONF.taskflow_driver_recovery_flows.process_failure_recovery_tasks,
                context=context, env=self.env)
        except Exception as error:
            raise exception.MasakariException(
                'Failed to create process failure flow for notification '
                f"'{notification_uuid}'.") from error
        try:
            base.run_flow(self.env, flow, base.PROCESS_ACTION, notification_uuid,
                          {'process_name': process_name, 'host_name': host_name,
                           'notification_uuid': notification_uuid})
        except exception.ProcessRecoveryFailureException:
            raise
        except Exception as error:
            # "instance" is upstream's wording for the process flow too.
            raise exception.MasakariException(
                'Failed to execute instance failure flow for notification '
                f"'{notification_uuid}'.") from error

    def get_notification_recovery_workflow_details(self, context, notification) -> list[dict]:
        return progress.workflow_details(context, notification)


def _with_fallback(first: Callable[[], None], fallback: Callable[[], None],
                   warning: str, host_name: str) -> None:
    """Run ``first``; unless it skipped the recovery, run ``fallback`` when it
    fails (whose outcome is then the recovery's)."""
    try:
        first()
    except exception.SkipHostRecoveryException:
        raise
    except Exception:
        LOG.warning(warning, host_name)
        fallback()
