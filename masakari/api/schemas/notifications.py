"""Request bodies of the notification resource and the per-type payloads."""
from masakari.api.schemas import types

create = types.body('notification', {
    # A tuple: the error message quotes the enum as the release does.
    'type': {'type': 'string', 'enum': ('COMPUTE_HOST', 'VM', 'PROCESS')},
    'hostname': types.hostname,
    'generated_time': types.date_time,
    'payload': {
        'type': 'object',
        'patternProperties': {
            '^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string',
                                           'maxLength': 255},
        },
        'additionalProperties': False,
    },
}, required=['type', 'hostname', 'generated_time', 'payload'])

_events = ('STARTED', 'STOPPED')


def _payload(properties: dict, required: list[str]) -> dict:
    return {'type': 'object', 'properties': properties, 'required': required,
            'additionalProperties': False}


payloads = {
    'COMPUTE_HOST': _payload({
        'event': {'type': 'string', 'enum': _events},
        'cluster_status': {'type': 'string', 'enum': ('ONLINE', 'OFFLINE')},
        'host_status': {'type': 'string', 'enum': ('NORMAL', 'UNKNOWN')},
    }, ['event']),
    'PROCESS': _payload({
        'process_name': types.bounded_string(4096),
        'event': {'type': 'string', 'enum': _events},
    }, ['process_name', 'event']),
    'VM': _payload({
        'instance_uuid': types.uuid,
        'vir_domain_event': types.bounded_string(255),
        'event': types.bounded_string(255),
    }, ['instance_uuid', 'vir_domain_event', 'event']),
}
