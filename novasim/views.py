"""JSON bodies of Nova's compute API, shaped by the request's microversion."""
from typing import Any

from novasim.state import COMPUTE
from novasim.state import Action
from novasim.state import Aggregate
from novasim.state import Cloud
from novasim.state import Host
from novasim.state import Server
from novasim.state import Service
from novasim.state import host_id
from novasim.state import iso

Version = tuple[int, int]

# Nova's status for each vm_state, with task states that override it.
_STATUS = {
    'active': ('ACTIVE', {'rebooting': 'REBOOT', 'reboot_pending': 'REBOOT',
                          'reboot_started': 'REBOOT', 'rebooting_hard': 'HARD_REBOOT',
                          'reboot_pending_hard': 'HARD_REBOOT',
                          'reboot_started_hard': 'HARD_REBOOT',
                          'updating_password': 'PASSWORD', 'rebuilding': 'REBUILD',
                          'rebuild_block_device_mapping': 'REBUILD',
                          'rebuild_spawning': 'REBUILD', 'migrating': 'MIGRATING',
                          'resize_prep': 'RESIZE', 'resize_migrating': 'RESIZE',
                          'resize_migrated': 'RESIZE', 'resize_finish': 'RESIZE'}),
    'building': ('BUILD', {}),
    'stopped': ('SHUTOFF', {'resize_prep': 'RESIZE', 'resize_migrating': 'RESIZE',
                            'resize_migrated': 'RESIZE', 'resize_finish': 'RESIZE',
                            'rebuilding': 'REBUILD',
                            'rebuild_block_device_mapping': 'REBUILD',
                            'rebuild_spawning': 'REBUILD'}),
    'resized': ('VERIFY_RESIZE', {'resize_reverting': 'REVERT_RESIZE'}),
    'paused': ('PAUSED', {'migrating': 'MIGRATING'}),
    'suspended': ('SUSPENDED', {}),
    'rescued': ('RESCUE', {}),
    'error': ('ERROR', {'rebuilding': 'REBUILD', 'rebuild_block_device_mapping': 'REBUILD',
                        'rebuild_spawning': 'REBUILD'}),
    'deleted': ('DELETED', {}),
    'soft-delete': ('SOFT_DELETED', {}),
    'shelved': ('SHELVED', {}),
    'shelved_offloaded': ('SHELVED_OFFLOADED', {}),
}


def status(server: Server) -> str:
    default, by_task = _STATUS.get(server.vm_state, ('UNKNOWN', {}))
    return by_task.get(server.task_state or '', default)


def parse_version(text: str) -> Version:
    major, minor = text.split('.')
    return int(major), int(minor)


def _v(version: Version, minimum: str) -> bool:
    return version >= parse_version(minimum)


def _link(base: str, kind: str, item_id: Any) -> list[dict[str, str]]:
    root = base.rsplit('/v2.1', 1)[0]
    return [{'rel': 'self', 'href': f'{base}/{kind}/{item_id}'},
            {'rel': 'bookmark', 'href': f'{root}/{kind}/{item_id}'}]


def server_brief(server: Server, base: str) -> dict[str, Any]:
    return {'id': server.id, 'name': server.name, 'links': _link(base, 'servers', server.id)}


def server_detail(cloud: Cloud, server: Server, version: Version, base: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        **server_brief(server, base),
        'status': status(server),
        'tenant_id': server.project_id,
        'user_id': server.user_id,
        'metadata': dict(server.metadata),
        'hostId': host_id(server.project_id, server.host),
        'image': {'id': server.image_id, 'links': _link(base, 'images', server.image_id)[1:]},
        'created': iso(server.created, micro=False, zulu=True),
        'updated': iso(server.updated, micro=False, zulu=True),
        'addresses': {},
        'accessIPv4': '',
        'accessIPv6': '',
        'OS-DCF:diskConfig': 'MANUAL',
        'OS-EXT-AZ:availability_zone': 'nova' if server.host else '',
        'config_drive': '',
        'key_name': None,
        'OS-SRV-USG:launched_at': iso(server.created),
        'OS-SRV-USG:terminated_at': None,
        'OS-EXT-SRV-ATTR:host': server.host,
        'OS-EXT-SRV-ATTR:instance_name': f'instance-{server.seq:08x}',
        'OS-EXT-SRV-ATTR:hypervisor_hostname': server.node,
        'OS-EXT-STS:task_state': server.task_state,
        'OS-EXT-STS:vm_state': server.vm_state,
        'OS-EXT-STS:power_state': server.power_state,
        'os-extended-volumes:volumes_attached': [],
        'security_groups': [{'name': 'default'}],
        'progress': 0,
    }
    if _v(version, '2.47'):
        body['flavor'] = dict(server.flavor)
    else:
        body['flavor'] = {'id': server.flavor['original_name'],
                          'links': _link(base, 'flavors', server.flavor['original_name'])[1:]}
    if _v(version, '2.3'):
        body.update({'OS-EXT-SRV-ATTR:reservation_id': f'r-{server.seq:08x}',
                     'OS-EXT-SRV-ATTR:launch_index': 0,
                     'OS-EXT-SRV-ATTR:hostname': server.name,
                     'OS-EXT-SRV-ATTR:kernel_id': '', 'OS-EXT-SRV-ATTR:ramdisk_id': '',
                     'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
                     'OS-EXT-SRV-ATTR:user_data': None})
    if _v(version, '2.9'):
        body['locked'] = server.locked
    if _v(version, '2.16'):
        body['host_status'] = cloud.host_status(server)
    if _v(version, '2.19'):
        body['description'] = None
    if _v(version, '2.26'):
        body['tags'] = []
    if _v(version, '2.73'):
        body['locked_reason'] = server.locked_reason
    if server.fault and server.vm_state == 'error':
        body['fault'] = {**server.fault, 'created': iso(server.fault['created'], zulu=True)}
    return body


def service_view(cloud: Cloud, service: Service, version: Version) -> dict[str, Any]:
    body = {
        'id': service.id if _v(version, '2.53') else service.legacy_id,
        'binary': service.binary,
        'host': service.host,
        'zone': service.zone,
        'status': 'disabled' if service.disabled else 'enabled',
        'state': 'up' if cloud.service_up(service) else 'down',
        'updated_at': iso(cloud.service_updated_at(service)),
        'disabled_reason': service.disabled_reason,
    }
    if _v(version, '2.11'):
        body['forced_down'] = service.forced_down
    return body


def hypervisor_view(cloud: Cloud, host: Host, version: Version, detail: bool,
                    with_servers: bool) -> dict[str, Any]:
    service = host.services[COMPUTE]
    body: dict[str, Any] = {
        'id': host.hypervisor_id if _v(version, '2.53') else host.legacy_id,
        'hypervisor_hostname': host.name,
        'state': 'up' if cloud.service_up(service) else 'down',
        'status': 'disabled' if service.disabled else 'enabled',
    }
    servers = cloud.servers_on(host.name)
    if with_servers and servers:
        body['servers'] = [{'name': f'instance-{s.seq:08x}', 'uuid': s.id} for s in servers]
    if not detail:
        return body
    body.update({
        'host_ip': host.host_ip,
        'hypervisor_type': 'QEMU',
        'hypervisor_version': 8002000,
        'service': {'host': host.name,
                    'id': service.id if _v(version, '2.53') else service.legacy_id,
                    'disabled_reason': service.disabled_reason},
    })
    if _v(version, '2.88'):
        body['uptime'] = None
        return body
    vcpus = sum(s.flavor['vcpus'] for s in servers)
    ram = sum(s.flavor['ram'] for s in servers)
    disk = sum(s.flavor['disk'] for s in servers)
    cpu_info = {'arch': 'x86_64', 'model': 'Nehalem', 'vendor': 'Intel', 'features': [],
                'topology': {'cores': 1, 'threads': 1, 'sockets': host.vcpus}}
    body.update({
        'vcpus': host.vcpus, 'memory_mb': host.memory_mb, 'local_gb': host.local_gb,
        'vcpus_used': vcpus, 'memory_mb_used': ram, 'local_gb_used': disk,
        'free_ram_mb': host.memory_mb - ram, 'free_disk_gb': host.local_gb - disk,
        'current_workload': 0, 'running_vms': len(servers),
        'disk_available_least': host.local_gb - disk,
        'cpu_info': cpu_info if _v(version, '2.28') else str(cpu_info),
    })
    return body


def aggregate_view(aggregate: Aggregate, version: Version) -> dict[str, Any]:
    body = {
        'id': aggregate.id, 'name': aggregate.name,
        'availability_zone': aggregate.availability_zone,
        'hosts': list(aggregate.hosts), 'metadata': dict(aggregate.metadata),
        'created_at': iso(aggregate.created), 'updated_at': iso(aggregate.updated),
        'deleted_at': None, 'deleted': False,
    }
    if _v(version, '2.41'):
        body['uuid'] = aggregate.uuid
    return body


def action_view(server: Server, action: Action, version: Version,
                events: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        'action': action.action, 'instance_uuid': server.id, 'message': action.message,
        'project_id': action.project_id, 'request_id': action.request_id,
        'start_time': iso(action.start), 'user_id': action.user_id,
    }
    if _v(version, '2.58'):
        body['updated_at'] = iso(action.updated)
    if events:
        body['events'] = []
        for event in action.events:
            entry = {'event': event.event, 'start_time': iso(event.start),
                     'finish_time': iso(event.finish), 'result': event.result,
                     'traceback': None}
            if _v(version, '2.62'):
                entry['host'] = event.host
                entry['hostId'] = host_id(action.project_id, event.host)
            if _v(version, '2.84'):
                entry['details'] = None
            body['events'].append(entry)
    return body
