"""Client side of the engine's RPC API (topic ha_engine, version 1.1)."""
import oslo_messaging as messaging
from oslo_config import cfg

from masakari import objects
from masakari import rpc

CONF = cfg.CONF

RPC_API_VERSION = '1.1'


class EngineAPI:
    def __init__(self):
        target = messaging.Target(topic=CONF.masakari_topic,
                                  version=RPC_API_VERSION)
        self.client = messaging.get_rpc_client(rpc.get_rpc_transport(),
                                               target)

    def process_notification(self, context, notification) -> None:
        # No retry: a cast that cannot be sent leaves the notification
        # "new", and the engine's periodic task picks it up.
        cctxt = self.client.prepare(version='1.0', retry=0)
        cctxt.cast(context.to_dict(), 'process_notification',
                   notification=objects.notification(notification))

    def get_notification_recovery_workflow_details(
            self, context, notification, timeout: int) -> list[dict]:
        cctxt = self.client.prepare(version='1.1', timeout=timeout, retry=0)
        result = cctxt.call(context.to_dict(),
                            'get_notification_recovery_workflow_details',
                            notification=objects.notification(notification))
        data = result.get('masakari_object.data', result)
        details = data.get('recovery_workflow_details') or []
        return [item.get('masakari_object.data', item) for item in details]
