"""The /v1 application: ``router`` maps the URL and ``V1App`` runs the
request through the checks every v1 request passes, in upstream's order:
microversion, Content-Type, body, project id, then the controller action
(schema, policy, handler)."""
import json

import webob
import webob.dec
import webob.exc

from masakari import exception
from masakari.api import auth
from masakari.api import faults
from masakari.api import microversion
from masakari.api import router
from masakari.api import validation
from masakari.api import versions
from masakari.api.controllers import extensions
from masakari.api.controllers import hosts
from masakari.api.controllers import notifications
from masakari.api.controllers import segments
from masakari.api.controllers import vmoves
from masakari.api.handler import ApiRequest

CONTROLLERS = {
    'segments': segments.SegmentsController(),
    'hosts': hosts.HostsController(),
    'notifications': notifications.NotificationsController(),
    'vmoves': vmoves.VMovesController(),
    'extensions': extensions.ExtensionsController(),
}


class MethodNotAllowed(exception.MasakariException):
    code = 405
    message = ("The request method: '%(method)s' with action: '%(action)s' "
               "is not allowed on this resource")


class ProjectMismatch(exception.Invalid):
    message = ("Malformed request URL: URL's project_id '%(url)s' doesn't "
               "match Context's project_id '%(context)s'")


def _body(request):
    if request.method not in ('POST', 'PUT') or not request.body:
        return None
    return validation.json_body(request.body)


def _query(request) -> webob.multidict.MultiDict:
    try:
        return request.GET
    except UnicodeDecodeError:
        raise exception.Invalid('The query string is not valid UTF-8.')


def _response_type(request, json_suffix: bool) -> str:
    if json_suffix:
        return 'application/json'
    offers = request.accept.acceptable_offers(list(validation.JSON_TYPES))
    return offers[0][0] if offers else 'application/json'


def _success(body, status: int, content_type: str,
             version: tuple[int, int]) -> webob.Response:
    response = webob.Response(status=status, charset=None)
    # Set after construction: webob leaves it off a 204, the release sends it.
    response.headers['Content-Type'] = content_type
    if body is not None:
        response.body = json.dumps(body).encode()
    response.headers['OpenStack-API-Version'] = (
        f'{microversion.SERVICE_TYPE} {microversion.to_str(version)}')
    response.headers['Vary'] = 'OpenStack-API-Version'
    return response


class V1App:
    """Serves /v1 from the raw request: nothing decodes the query string or
    parses a form body before the checks below, so a request that is not
    UTF-8 or not JSON gets a fault rather than an error from the parser."""

    @webob.dec.wsgify
    def __call__(self, request):
        # The path as the server gives it, one character per byte, as the
        # release routes it: bytes that are not UTF-8 are an id no row has
        # (or no route), not an error.
        parts = request.environ.get('PATH_INFO', '').split('/')[1:]
        if parts in ([], ['']):
            return self._serve(request, None)
        match = router.match(request.method, parts)
        if match is None:
            return webob.exc.HTTPNotFound()
        return self._serve(request, match)

    def _serve(self, request, match):
        version = None
        try:
            version = microversion.negotiate(request.headers)
            validation.check_content_type(request)
            body = _body(request)
            context = request.environ[auth.ENV_KEY]
            if match is not None and match.project_id is not None and \
                    match.project_id != context.project_id:
                raise ProjectMismatch(url=match.project_id,
                                      context=context.project_id)
            if match is None or match.resource == 'versions':
                return self._version(request, match, version)
            handler = getattr(CONTROLLERS[match.resource], match.action, None)
            if handler is None:
                raise MethodNotAllowed(method=request.method,
                                       action=match.action)
            api_request = ApiRequest(context, version, _query(request),
                                     body, request.environ)
            result = handler(api_request, *match.args)
            return _success(result, handler.status,
                            _response_type(request, match.json_suffix),
                            version)
        except webob.exc.HTTPException as error:
            # A body over [oslo_middleware] max_request_body_size that came
            # chunked is refused only as it is read.
            return faults.fault_response(
                error.code, error.explanation,
                microversion.to_str(version) if version else None)
        except microversion.InvalidVersionFormat as error:
            return faults.from_exception(error)
        except microversion.VersionNotSupported as error:
            # The release names no version in a 406, yet says it varies.
            response = faults.from_exception(error)
            response.headers['Vary'] = 'OpenStack-API-Version'
            return response
        except Exception as error:
            return faults.from_exception(
                error, microversion.to_str(version) if version else None)

    def _version(self, request, match, version):
        v1_url = request.application_url
        if match is None:
            return _success(versions.version_v1(v1_url), 200,
                            _response_type(request, False), version)
        if match.action != 'show':
            raise MethodNotAllowed(method=request.method, action=match.action)
        if match.args[0] != 'v1.0':
            raise exception.NotFound('The resource could not be found.')
        return _success(versions.version_v1(v1_url), 200,
                        _response_type(request, match.json_suffix), version)


def app_factory(global_conf, **local_conf):
    return V1App()
