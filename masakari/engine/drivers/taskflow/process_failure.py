"""Tasks of the process failure flow (nova-compute died): take the host out
of scheduling and confirm Nova shows it so."""
from oslo_config import cfg
from oslo_log import log as logging

from masakari import exception
from masakari.engine.drivers.taskflow import base

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class DisableComputeNodeTask(base.MasakariTask):
    def execute(self, process_name: str, host_name: str) -> None:
        self.update_details(f"Disabling compute service on host: '{host_name}'")
        if self.novaclient.is_service_disabled(self.context, host_name, process_name):
            message = f'Skipping recovery for process {process_name} as it is already disabled'
            LOG.info(message)
            self.update_details(message, 1.0)
            return
        self.novaclient.enable_disable_service(
            self.context, host_name, reason=CONF.process_failure.service_disable_reason)
        self.update_details(f"Disabled compute service on host: '{host_name}'", 1.0)


class ConfirmComputeNodeDisabledTask(base.MasakariTask):
    def execute(self, process_name: str, host_name: str) -> None:
        self.update_details(f"Confirming compute service is disabled on host: '{host_name}'")

        def disabled() -> bool:
            return self.novaclient.is_service_disabled(self.context, host_name, process_name)

        if not self.env.wait_until(disabled, CONF.wait_period_after_service_update,
                                CONF.verify_interval):
            message = f'Failed to disable service {process_name}'
            self.update_details(message, 1.0)
            raise exception.ProcessRecoveryFailureException(message)
        self.update_details(f"Confirmed compute service is disabled on host: '{host_name}'",
                            1.0)
