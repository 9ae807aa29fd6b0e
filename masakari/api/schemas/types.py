"""Field schemas shared by the request body schemas."""
import re
import unicodedata


def _printable(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] != 'C' and (category[0] != 'Z' or category == 'Zs')


def _printable_ranges() -> str:
    """A regex character set of the printable characters of the Basic
    Multilingual Plane, as first-last ranges. Upstream's error message
    quotes the pattern, so it is spelled the way upstream's is."""
    ranges, start, previous = [], None, None
    for code in range(0xFFFF):
        if _printable(chr(code)):
            if start is None:
                start = code
        elif start is not None:
            ranges.append((start, previous))
            start = None
        previous = code
    if start is not None:
        ranges.append((start, previous))
    return ''.join(re.escape(chr(first)) + ('-' + re.escape(chr(last)) if last != first else '')
                   for first, last in ranges)


# Printable characters and newlines.
DESCRIPTION_PATTERN = '^[\n%s]*$' % _printable_ranges()

name = {'type': 'string', 'minLength': 1, 'maxLength': 255, 'format': 'name'}

description = {'type': ['string', 'null'], 'pattern': DESCRIPTION_PATTERN}

# Upstream allows null here and then fails with a 500; null is refused.
free_text = {'type': 'string', 'pattern': DESCRIPTION_PATTERN}

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
