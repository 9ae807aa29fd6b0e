"""Paste composite that sends a request to the app of its longest prefix."""
import re

import webob.dec
import webob.exc


def urlmap_factory(loader, global_conf, **local_conf):
    routes = {}
    for prefix, app_name in local_conf.items():
        prefix = '/' + prefix.strip('/') if prefix.strip('/') else '/'
        routes[prefix] = loader.get_app(app_name, global_conf=global_conf)
    return URLMap(routes)


class URLMap:
    def __init__(self, routes: dict):
        # Longest prefix first, so /v1 wins over /.
        self.routes = sorted(routes.items(), key=lambda r: len(r[0]),
                             reverse=True)

    @webob.dec.wsgify
    def __call__(self, request):
        # The raw WSGI path, not request.path_info: the prefixes are ASCII,
        # and a path that is not UTF-8 is for the app it reaches to refuse.
        # The release treats a run of slashes as one: //v1//segments is
        # /v1/segments.
        path = re.sub('//+', '/', request.environ.get('PATH_INFO') or '/')
        request.environ['PATH_INFO'] = path
        for prefix, app in self.routes:
            if prefix == '/':
                return request.get_response(app)
            if path == prefix or path.startswith(prefix + '/'):
                request.environ['SCRIPT_NAME'] = (
                    request.environ.get('SCRIPT_NAME', '') + prefix)
                request.environ['PATH_INFO'] = path[len(prefix):]
                return request.get_response(app)
        return webob.exc.HTTPNotFound()
