"""Masakari fault bodies: {"<faultName>": {"code": N, "message": "..."}}."""
import json
import logging

import webob
import webob.dec
import webob.exc

from masakari import exception

LOG = logging.getLogger(__name__)

FAULT_NAMES = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
}

UNEXPECTED = ('Unexpected API Error. Please report this at '
              'https://bugs.launchpad.net/masakari/ and attach the Masakari '
              'API log if possible.\n%s')


def fault_response(code: int, message: str,
                   version: str | None = None) -> webob.Response:
    name = FAULT_NAMES.get(code, 'masakariFault')
    response = webob.Response(status=code)
    response.headers['Content-Type'] = 'application/json; charset=UTF-8'
    response.body = json.dumps(
        {name: {'code': code, 'message': message}}).encode()
    if version is not None:
        response.headers['OpenStack-API-Version'] = f'instance-ha {version}'
        response.headers['Vary'] = 'OpenStack-API-Version'
    return response


def from_exception(error: Exception,
                   version: str | None = None) -> webob.Response:
    if isinstance(error, exception.MasakariException):
        return fault_response(error.code, error.format_message(), version)
    LOG.exception('Unexpected error while handling a request')
    cls = type(error)
    return fault_response(
        500, UNEXPECTED % f"<class '{cls.__module__}.{cls.__qualname__}'>",
        version)


class FaultWrapper:
    """Last line of defence: whatever escapes becomes a 500 fault."""

    def __init__(self, application):
        self.application = application

    @classmethod
    def factory(cls, global_conf, **local_conf):
        return cls

    @webob.dec.wsgify
    def __call__(self, request):
        try:
            return request.get_response(self.application)
        except exception.MasakariException as error:
            return from_exception(error)
        except Exception:
            LOG.exception('Caught error in the API pipeline')
            return fault_response(
                500, 'The server has either erred or is incapable of '
                     'performing the requested operation.')
