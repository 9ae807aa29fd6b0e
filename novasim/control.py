"""HTTP control API of the simulator (/_sim): its state, for now."""
import json

import webob


def handle(simulator, req: webob.Request, path: str) -> webob.Response:
    if req.method == 'GET' and path in ('', '/', '/state'):
        response = webob.Response(content_type='application/json', charset='UTF-8')
        response.text = json.dumps(simulator.snapshot())
        return response
    response = webob.Response(status=404, content_type='application/json', charset='UTF-8')
    response.text = json.dumps({'error': f'nothing at /_sim{path}'})
    return response
