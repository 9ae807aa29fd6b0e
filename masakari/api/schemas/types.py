"""Field schemas shared by the request body schemas."""

name = {'type': 'string', 'minLength': 1, 'maxLength': 255, 'format': 'name'}

description = {'type': ['string', 'null'], 'format': 'description'}

# Upstream allows null here and then fails with a 500; null is refused.
free_text = {'type': 'string', 'format': 'description'}

boolean = {
    'type': ['boolean', 'string'],
    'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on',
             'YES', 'Yes', 'yes',
             False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off',
             'NO', 'No', 'no'],
}

host_type = {'type': 'string', 'minLength': 0, 'maxLength': 255,
             'pattern': '^[a-zA-Z0-9]*$'}

hostname = {'type': 'string', 'minLength': 1, 'maxLength': 255,
            'pattern': '^[a-zA-Z0-9-._]*$'}

date_time = {'type': 'string', 'format': 'date-time'}

uuid = {'type': 'string', 'format': 'uuid'}


def bounded_string(max_length: int) -> dict:
    return {'type': 'string', 'minLength': 1, 'maxLength': max_length}


def body(key: str, properties: dict, required: list[str] | None = None,
         any_of: list[str] | None = None) -> dict:
    """A request body {key: {...}} whose inner object allows only
    ``properties`` and needs ``required`` or, for updates, one of
    ``any_of``."""
    inner = {'type': 'object', 'properties': properties}
    if required:
        inner['required'] = required
    inner['additionalProperties'] = False
    if any_of:
        inner['anyOf'] = [{'required': [name]} for name in any_of]
    return {'type': 'object', 'properties': {key: inner},
            'required': [key], 'additionalProperties': False}
