"""JSON-schema validation of request bodies with upstream error texts.

Draft 4 keywords, plus the formats masakari uses: ``name`` (printable, no
leading or trailing blank), ``description`` (printable or newline),
``uuid`` and ``date-time`` (anything the iso8601 parser accepts that has a
UTC equivalent within years 1 to 9999).
"""
import unicodedata

import iso8601
import jsonschema
from oslo_utils import uuidutils

from masakari import exception

NAME_ERROR = ("An invalid 'name' value was provided. The name must be: "
              "printable characters. Can not start or end with whitespace.")


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


def _is_description(value) -> bool:
    if not isinstance(value, str):
        return True
    return all(c == '\n' or _printable(c) for c in value)


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
_formats.checks('description')(_is_description)
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
