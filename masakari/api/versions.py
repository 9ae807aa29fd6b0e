"""Version discovery documents (unauthenticated root app and GET /v1)."""
import json
import urllib.parse

import webob
import webob.dec
from oslo_config import cfg

from masakari import exception
from masakari.api import faults
from masakari.api import microversion
from masakari.api import validation

CONF = cfg.CONF

MEDIA_TYPES = [{'base': 'application/json',
                'type': 'application/vnd.openstack.masakari+json;version=1'}]
_V1 = {
    'id': 'v1.0',
    'status': 'CURRENT',
    'version': microversion.to_str(microversion.MAX_VERSION),
    'min_version': microversion.to_str(microversion.MIN_VERSION),
    'updated': '2016-07-01T11:33:21Z',
}


def link_base(request) -> str:
    """The URL of the application root, honouring osapi_masakari_link_prefix
    (its scheme and host replace the request's; its path is prepended)."""
    base = request.application_url
    prefix = CONF.osapi_masakari_link_prefix
    if not prefix:
        return base.rstrip('/')
    parsed = urllib.parse.urlsplit(base)
    wanted = urllib.parse.urlsplit(prefix)
    path = wanted.path.rstrip('/') + parsed.path
    return urllib.parse.urlunsplit(
        (wanted.scheme, wanted.netloc, path, '', '')).rstrip('/')


def version_list(request) -> dict:
    return {'versions': [dict(_V1, links=[
        {'rel': 'self', 'href': link_base(request) + '/v1/'}])]}


def version_v1(v1_url: str) -> dict:
    """The GET /v1 document; ``v1_url`` is where the v1 app is served."""
    return {'version': dict(_V1, links=[
        {'rel': 'self', 'href': v1_url + '/'},
        {'rel': 'describedby', 'type': 'text/html',
         'href': 'https://docs.openstack.org/'},
    ], **{'media-types': MEDIA_TYPES})}


def choices(request) -> dict:
    return {'choices': [{
        'id': 'v1.0', 'status': 'CURRENT',
        'links': [{'rel': 'self',
                   'href': link_base(request) + '/v1' + request.path_info}],
        'media-types': MEDIA_TYPES,
    }]}


class VersionsApp:
    """GET / lists the versions; any other path offers the choices (300)."""

    @classmethod
    def factory(cls, global_conf, **local_conf):
        return cls()

    @webob.dec.wsgify
    def __call__(self, request):
        try:
            request.path_info
        except UnicodeDecodeError:
            return faults.fault_response(400, 'The path is not valid UTF-8.')
        try:
            validation.check_content_type(request)
            if request.method in ('POST', 'PUT'):
                validation.json_body(request.body)
        except exception.MasakariException as error:
            return faults.from_exception(error)
        if request.path_info in ('', '/'):
            body, status = version_list(request), 200
        else:
            body, status = choices(request), 300
        # The media type asked for, when it is one of the API's.
        offers = request.accept.acceptable_offers(list(validation.JSON_TYPES))
        response = webob.Response(
            status=status, charset=None,
            content_type=offers[0][0] if offers else 'application/json')
        response.text = json.dumps(body)
        return response
