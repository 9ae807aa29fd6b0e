"""Paste composite that sends a request to the app of its longest prefix."""
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
        path = request.path_info or '/'
        for prefix, app in self.routes:
            if prefix == '/':
                return request.get_response(app)
            if path == prefix or path.startswith(prefix + '/'):
                request.script_name += prefix
                request.path_info = path[len(prefix):]
                return request.get_response(app)
        return webob.exc.HTTPNotFound()
