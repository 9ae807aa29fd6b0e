"""Request bodies of the segment resource, per microversion."""
from masakari.api.schemas import types

_fields = {
    'name': types.name,
    'description': types.description,
    'recovery_method': {'type': 'string',
                        'enum': ['auto', 'reserved_host', 'auto_priority',
                                 'rh_priority']},
    'service_type': types.name,
}
_fields_v12 = dict(_fields, enabled=types.boolean)

create = types.body('segment', _fields,
                    required=['name', 'recovery_method', 'service_type'])
create_v12 = types.body('segment', _fields_v12,
                        required=['name', 'recovery_method', 'service_type'])

update = types.body('segment', _fields, any_of=list(_fields))
update_v12 = types.body('segment', _fields_v12, any_of=list(_fields_v12))
