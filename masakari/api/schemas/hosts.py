"""Request bodies of the host resource."""
from masakari.api.schemas import types

_fields = {
    'name': types.name,
    'type': types.host_type,
    'control_attributes': types.free_text,
    'reserved': types.boolean,
    'on_maintenance': types.boolean,
}

create = types.body('host', _fields,
                    required=['name', 'type', 'control_attributes'])
update = types.body('host', _fields, any_of=list(_fields))
