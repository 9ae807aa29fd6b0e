"""Reading ``crm_mon -X`` (the crm_mon mode, with restrict_to_remotes).

Pacemaker 2.1.5 prints the legacy ``<crm_mon version=...>`` document:
``summary/current_dc@with_quorum`` and ``nodes/node@name,@online,@type``.
"""
from xml.etree import ElementTree

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class ParseCrmMonXml:
    def __init__(self) -> None:
        self.crmmon_tag: ElementTree.Element | None = None

    def set_crmmon_xml(self, crmmon_xml: str) -> None:
        self.crmmon_tag = ElementTree.fromstring(crmmon_xml)

    def have_quorum(self) -> bool:
        # A missing <summary> or <current_dc> raises (AttributeError).
        current_dc = self.crmmon_tag.find('summary').find('current_dc')
        return current_dc.get('with_quorum') == 'true'

    def get_nodes(self) -> list:
        """Every <node> of <nodes>, remote or not."""
        nodes_tag = self.crmmon_tag.find('nodes')
        if nodes_tag is None:
            LOG.error("crm_mon xml doesn't have nodes tag.")
            return []
        nodes = nodes_tag.findall('node')
        if not nodes:
            LOG.error("crm_mon xml doesn't have online tag.")
        return nodes

    @staticmethod
    def remote_node_states(nodes: list) -> list[tuple[str | None, str]]:
        """(name, 'online'|'offline') of the pacemaker-remote nodes."""
        return [(node.get('name'),
                 'online' if node.get('online') == 'true' else 'offline')
                for node in nodes if node.get('type') == 'remote']
