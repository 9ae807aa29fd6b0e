"""Consul agents over plain HTTP, and the health action matrix."""
import os

import requests
import yaml

DEFAULT_PORT = 8500
HTTP_TIMEOUT = 30

# Member Status 1 is "alive"; anything else (left, failed, ...) is down.
MEMBER_ALIVE = 1

DEFAULT_SEQUENCE = ['manage', 'tenant', 'storage']
# Recovery exactly when the storage interface is down.
DEFAULT_MATRIX = [
    {'health': [m, t, s], 'action': ['recovery'] if s == 'down' else []}
    for m in ('up', 'down') for t in ('up', 'down') for s in ('up', 'down')
]


def parse_agent(value: str) -> tuple[str, int]:
    """``host[:port]``, ``[v6]:port``, ``[v6]`` or a bare IPv6 address."""
    value = value.strip()
    if value.startswith('['):
        addr, _, rest = value[1:].partition(']')
        port = rest[1:] if rest.startswith(':') else ''
        return addr, int(port) if port else DEFAULT_PORT
    if value.count(':') == 1:
        addr, port = value.split(':')
        return addr, int(port) if port else DEFAULT_PORT
    return value, DEFAULT_PORT


class ConsulAgent:
    """``GET /v1/agent/members`` of one local agent."""

    def __init__(self, addr: str, port: int = DEFAULT_PORT) -> None:
        self.addr = addr
        self.port = port
        host = f'[{addr}]' if ':' in addr else addr
        self.url = f'http://{host}:{port}'
        self.session = requests.Session()

    def members(self) -> list[dict]:
        response = self.session.get(self.url + '/v1/agent/members',
                                    timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return response.json()


class ConsulManager:
    """The configured agents, keyed by cluster name."""

    def __init__(self, conf) -> None:
        self.agents: dict[str, ConsulAgent] = {}
        for name in ('manage', 'tenant', 'storage'):
            value = conf.consul['agent_' + name]
            if value:
                self.agents[name] = ConsulAgent(*parse_agent(value))

    def get_health(self, sequence: list[str]) -> dict[str, list[str]]:
        """{host: [health per cluster, in sequence order]}.

        The hosts are those of the first cluster that answered with
        members; a cluster where a host is missing is left out of its list.
        """
        cluster_members: list[dict[str, str]] = []
        for name in sequence:
            agent = self.agents.get(name)
            if agent is None:
                continue
            try:
                members = agent.members()
            except Exception as e:
                raise Exception(
                    f'Failed to get members of {name}: {e}.') from e
            cluster_members.append({
                m['Name']: 'up' if m.get('Status') == MEMBER_ALIVE
                else 'down' for m in members})
        hosts: list[str] = next((list(m) for m in cluster_members if m), [])
        return {host: [m[host] for m in cluster_members if host in m]
                for host in hosts}


def load_matrix(path: str | None) -> tuple[list[str], list[dict]]:
    """The file's sequence and matrix, unchecked; defaults without it."""
    if not path or not os.path.exists(path):
        return list(DEFAULT_SEQUENCE), DEFAULT_MATRIX
    with open(path) as f:
        data = yaml.safe_load(f)
    return data.get('sequence'), data.get('matrix')
