"""Microversion negotiation: OpenStack-API-Version: instance-ha X.Y."""
import re

import microversion_parse

from masakari import exception

SERVICE_TYPE = 'instance-ha'
MIN_VERSION = (1, 0)
MAX_VERSION = (1, 3)
_FORMAT = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class InvalidVersionFormat(exception.Invalid):
    message = ('API Version String %(version)s is of invalid format. Must '
               'be of format MajorNum.MinorNum.')


class VersionNotSupported(exception.MasakariException):
    code = 406
    message = ('Version %(version)s is not supported by the API. Minimum is '
               '%(min)s and maximum is %(max)s.')


def to_str(version: tuple[int, int]) -> str:
    return '%d.%d' % version


def negotiate(headers) -> tuple[int, int]:
    """The version asked for by the request; the minimum when none is.

    Raises InvalidVersionFormat or VersionNotSupported; neither answer
    carries a version header.
    """
    requested = microversion_parse.get_version(headers, SERVICE_TYPE)
    if requested is None:
        return MIN_VERSION
    requested = requested.strip()
    # Lower case only: the release refuses LATEST as a malformed version.
    if requested == 'latest':
        return MAX_VERSION
    match = _FORMAT.match(requested)
    if match is None:
        raise InvalidVersionFormat(version=requested)
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise VersionNotSupported(version=requested, min=to_str(MIN_VERSION),
                                  max=to_str(MAX_VERSION))
    return version
