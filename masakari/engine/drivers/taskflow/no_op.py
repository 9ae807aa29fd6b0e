"""A task that does nothing: a placeholder for operators' custom flows."""
from oslo_log import log as logging
from taskflow import task

LOG = logging.getLogger(__name__)


class Noop(task.Task):
    # Named by taskflow's default (the full class path) and recording no
    # progress, as upstream's.
    def __init__(self, context, novaclient, **kwargs):
        super().__init__()

    def execute(self) -> None:
        LOG.info('Custom task executed successfully..!!')
