"""Policy-in-code: upstream rule names, check strings and operations."""
from oslo_policy import policy

ADMIN_API = 'rule:admin_api'
PREFIX = 'os_masakari_api'

_base_rules = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       description='Decides what is_admin means for a '
                                   'Keystone-authenticated request.'),
    policy.RuleDefault('admin_or_owner',
                       'is_admin:True or project_id:%(project_id)s',
                       description='Default rule for most non-Admin APIs.'),
    policy.RuleDefault('admin_api', 'is_admin:True',
                       description='Default rule for most Admin APIs.'),
]

# resource -> [(action, method, path)]
_RESOURCES = {
    'segments': [
        ('index', 'GET', '/segments'),
        ('detail', 'GET', '/segments/{segment_id}'),
        ('create', 'POST', '/segments'),
        ('update', 'PUT', '/segments/{segment_id}'),
        ('delete', 'DELETE', '/segments/{segment_id}'),
    ],
    'os-hosts': [
        ('index', 'GET', '/segments/{segment_id}/hosts'),
        ('detail', 'GET', '/segments/{segment_id}/hosts/{host_id}'),
        ('create', 'POST', '/segments/{segment_id}/hosts'),
        ('update', 'PUT', '/segments/{segment_id}/hosts/{host_id}'),
        ('delete', 'DELETE', '/segments/{segment_id}/hosts/{host_id}'),
    ],
    'notifications': [
        ('index', 'GET', '/notifications'),
        ('detail', 'GET', '/notifications/{notification_id}'),
        ('create', 'POST', '/notifications'),
    ],
    'vmoves': [
        ('index', 'GET', '/notifications/{notification_id}/vmoves'),
        ('detail', 'GET', '/notifications/{notification_id}/vmoves/{vmove_id}'),
    ],
    'extensions': [
        ('index', 'GET', '/extensions'),
        ('detail', 'GET', '/extensions/{extension_id}'),
    ],
}


def _resource_rules():
    rules = []
    for resource, operations in _RESOURCES.items():
        for action, method, path in operations:
            rules.append(policy.DocumentedRuleDefault(
                name=f'{PREFIX}:{resource}:{action}', check_str=ADMIN_API,
                description=f'{action} of {resource}.',
                operations=[{'method': method, 'path': path}]))
        rules.append(policy.RuleDefault(
            name=f'{PREFIX}:{resource}:discoverable', check_str=ADMIN_API,
            description=f'{resource} API extensions to change the API.'))
    rules.append(policy.DocumentedRuleDefault(
        name=f'{PREFIX}:versions:index', check_str='@',
        description='List API versions.',
        operations=[{'method': 'GET', 'path': '/'}]))
    rules.append(policy.RuleDefault(
        name=f'{PREFIX}:versions:discoverable', check_str='@',
        description='Version API extensions to change the API.'))
    return rules


def list_rules():
    return _base_rules + _resource_rules()
