"""Tasks of the instance failure flow: stop the failed instance, start it,
confirm it is active again."""
from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import strutils

from masakari import exception
from masakari.engine.drivers.taskflow import base

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

ACTIVE, STOPPED, RESIZED = 'active', 'stopped', 'resized'
# A paused or rescued instance is someone's deliberate doing.
LEFT_ALONE_STATES = ('paused', 'rescued')


class StopInstanceTask(base.MasakariTask):
    def execute(self, instance_uuid: str) -> None:
        server = self.novaclient.get_server(self.context, instance_uuid)
        key = CONF.instance_failure.ha_enabled_instance_metadata_key
        if (not CONF.instance_failure.process_all_instances
                and not strutils.bool_from_string(server.metadata.get(key))):
            message = f'Skipping recovery for instance: {instance_uuid} as it is not Ha_Enabled'
            self.update_details(message, 1.0)
            raise exception.SkipInstanceRecoveryException(message)
        if server.vm_state in LEFT_ALONE_STATES:
            message = (f"Recovery of instance '{instance_uuid}' is ignored as it is in "
                       f"'{server.vm_state}' state.")
            LOG.warning(message)
            self.update_details(message, 1.0)
            raise exception.IgnoreInstanceRecoveryException(message)
        if server.vm_state != STOPPED:
            self._stop(instance_uuid, server.vm_state)
        if not self.env.wait_until(lambda: self._vm_state(instance_uuid) == STOPPED,
                                CONF.wait_period_after_power_off, CONF.verify_interval):
            message = f'Failed to stop instance {instance_uuid}'
            self.update_details(message, 1.0)
            raise exception.InstanceRecoveryFailureException(message)
        self.update_details(f"Stopped instance: '{instance_uuid}'", 1.0)

    def _stop(self, instance_uuid: str, vm_state: str) -> None:
        if vm_state == RESIZED:
            # Nova does not stop a resized instance.
            self.novaclient.reset_instance_state(self.context, instance_uuid, ACTIVE)
        self.update_details(f'Stopping instance: {instance_uuid}')
        try:
            self.novaclient.stop_server(self.context, instance_uuid)
        except exception.Conflict:
            # The instance may have stopped by itself meanwhile.
            self.update_details(f'Conflict when stopping instance: {instance_uuid}')
            if self._vm_state(instance_uuid) != STOPPED:
                raise

    def _vm_state(self, instance_uuid: str) -> str:
        return self.novaclient.get_server(self.context, instance_uuid).vm_state


class StartInstanceTask(base.MasakariTask):
    def execute(self, instance_uuid: str) -> None:
        self.update_details(f"Starting instance: '{instance_uuid}'")
        vm_state = self.novaclient.get_server(self.context, instance_uuid).vm_state
        if vm_state != STOPPED:
            message = (f"Invalid state for Instance {instance_uuid}. Expected state: "
                       f"'STOPPED', Actual state: '{vm_state}'")
            self.update_details(message, 1.0)
            raise exception.InstanceRecoveryFailureException(message)
        self.novaclient.start_server(self.context, instance_uuid)
        self.update_details(f"Instance started: '{instance_uuid}'", 1.0)


class ConfirmInstanceActiveTask(base.MasakariTask):
    def execute(self, instance_uuid: str) -> None:
        self.update_details(f"Confirming instance '{instance_uuid}' vm_state is ACTIVE")

        def active() -> bool:
            return self.novaclient.get_server(self.context, instance_uuid).vm_state == ACTIVE

        if not self.env.wait_until(active, CONF.wait_period_after_power_on, CONF.verify_interval):
            message = f'Failed to start instance {instance_uuid}'
            self.update_details(message, 1.0)
            raise exception.InstanceRecoveryFailureException(message)
        self.update_details(f"Confirmed instance '{instance_uuid}' vm_state is ACTIVE", 1.0)
