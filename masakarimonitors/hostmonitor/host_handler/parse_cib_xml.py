"""Reading the CIB printed by ``cibadmin --query`` (the CIB mode)."""
from xml.etree import ElementTree

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

IPMI_KEYS = ('userid', 'passwd', 'interface', 'ipaddr')


class ParseCibXml:
    """Holds the last CIB parsed; the IPMI lookup reads it later, when a
    notification about an offline host is built."""

    def __init__(self) -> None:
        self.cib_tag: ElementTree.Element | None = None

    def set_cib_xml(self, cib_xml: str) -> None:
        self.cib_tag = ElementTree.fromstring(cib_xml)

    def have_quorum(self) -> bool:
        # A missing or non-integer attribute raises, as upstream's int().
        return int(self.cib_tag.get('have-quorum')) != 0

    def get_node_states(self) -> list[tuple[str | None, str | None]]:
        """(uname, crmd) of each <node_state>, in document order."""
        status_tag = self.cib_tag.find('status')
        if status_tag is None:
            LOG.error("Cib xml doesn't have status tag.")
            return []
        node_states = status_tag.findall('node_state')
        if not node_states:
            LOG.error("Cib xml doesn't have node_state tag.")
        return [(tag.get('uname'), tag.get('crmd')) for tag in node_states]

    def _resources_tag(self) -> ElementTree.Element | None:
        configuration_tag = self.cib_tag.find('configuration')
        if configuration_tag is None:
            LOG.error("Cib xml doesn't have configuration tag.")
            return None
        resources_tag = configuration_tag.find('resources')
        if resources_tag is None:
            LOG.error("Cib xml doesn't have resources tag.")
        return resources_tag

    def get_stonith_ipmi_params(self, hostname: str) -> dict | None:
        """userid, passwd, interface and ipaddr of the external/ipmi
        primitive (inside a <group>) whose ``hostname`` is ``hostname``.

        None when nothing matches. Raises when no CIB was ever parsed (the
        crm_mon mode, as upstream does) or when the matching set lacks a
        key.
        """
        if self.cib_tag is None:
            # The text upstream masakari-monitors fails with in that case,
            # so the logged error reads the same.
            raise TypeError("'NoneType' object is not iterable")
        resources_tag = self._resources_tag()
        if resources_tag is None:
            return None
        for group_tag in resources_tag.findall('group'):
            for primitive in group_tag.findall('primitive'):
                if primitive.get('type') != 'external/ipmi':
                    continue
                for attributes in primitive.findall('instance_attributes'):
                    params = {nvpair.get('name'): nvpair.get('value')
                              for nvpair in attributes.findall('nvpair')}
                    if params.get('hostname') == hostname:
                        return {key: params[key] for key in IPMI_KEYS}
        return None
