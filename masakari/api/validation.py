"""What a request body must be: its Content-Type, JSON in UTF-8, and a
JSON-schema validation with upstream error texts.

Draft 4 keywords, plus the formats masakari uses: ``name`` (printable, no
leading or trailing blank), ``uuid`` and ``date-time`` (anything the
iso8601 parser accepts that has a UTC equivalent within years 1 to 9999).
Printable text (``description``) is a pattern in the schemas' types.
"""
import json
import unicodedata

import iso8601
import jsonschema
from oslo_utils import uuidutils

from masakari import exception

JSON_TYPES = ('application/json', 'application/vnd.openstack.masakari+json')

NAME_ERROR = ("An invalid 'name' value was provided. The name must be: "
              "printable characters. Can not start or end with whitespace.")


class UnsupportedMediaType(exception.MasakariException):
    code = 415
    message = 'Unsupported Content-Type'


def check_content_type(request) -> None:
    """Raise a 415 unless the Content-Type is absent, empty, text/plain or
    a JSON type. As upstream, the media type is compared as sent: its case
    and any blank before the ';' count; its parameters do not."""
    media_type = request.content_type
    if media_type and media_type != 'text/plain' and \
            media_type not in JSON_TYPES:
        raise UnsupportedMediaType()


# No schema goes more than three levels deep. Anything nested far deeper
# is refused before it reaches code that recurses over it (the schema
# validator, the error message's repr), which would otherwise run out of
# stack near the interpreter's recursion limit.
MAX_NESTING = 100


def _nested_deeper_than(document, limit: int) -> bool:
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def json_body(body: bytes):
    """The body as JSON, which upstream reads in UTF-8 only (no BOM, no
    UTF-16 or UTF-32) whatever charset the Content-Type names, and nested
    at most MAX_NESTING levels."""
    try:
        document = json.loads(body.decode('utf-8'))
    except (ValueError, RecursionError):
        raise exception.Invalid('Malformed request body')
    if _nested_deeper_than(document, MAX_NESTING):
        raise exception.Invalid('Malformed request body')
    return document


def _printable(char: str) -> bool:
    if ord(char) > 0xFFFE:
        return False
    category = unicodedata.category(char)
    return not category.startswith('C') and category not in ('Zl', 'Zp')


def _is_name(value) -> bool:
    if not isinstance(value, str):
        return True
    if not value or not all(_printable(c) for c in value):
        return False
    return not (value[0].isspace() or value[-1].isspace())


def _is_uuid(value) -> bool:
    return not isinstance(value, str) or uuidutils.is_uuid_like(value)


def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        iso8601.parse_date(value).astimezone(iso8601.UTC)
    except (iso8601.ParseError, OverflowError):
        return False
    return True


_formats = jsonschema.FormatChecker(formats=())
_formats.checks('name')(_is_name)
_formats.checks('uuid')(_is_uuid)
_formats.checks('date-time')(_is_date_time)


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == 'format' and error.validator_value == 'name':
        return NAME_ERROR
    if error.path:
        return (f'Invalid input for field/attribute {error.path[-1]}. '
                f'Value: {error.instance}. {error.message}')
    return error.message


def validate(schema: dict, body) -> None:
    """Raise a 400 with the first schema error of ``body``; schemas list
    their keywords in the order upstream checks them."""
    validator = jsonschema.Draft4Validator(schema, format_checker=_formats)
    error = next(validator.iter_errors(body), None)
    if error is not None:
        raise exception.ValidationError(_message(error))
