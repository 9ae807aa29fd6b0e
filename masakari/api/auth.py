"""Middleware that turns identity headers into a RequestContext."""
import json

import webob.dec
import webob.exc
from oslo_config import cfg

from masakari import context
from masakari import policy
from masakari.api import app

CONF = cfg.CONF
ENV_KEY = 'masakari.context'


def _remote_address(request) -> str:
    if CONF.use_forwarded_for:
        return request.headers.get('X-Forwarded-For', request.remote_addr)
    return request.remote_addr


class _ContextMiddleware:
    def __init__(self, application):
        self.application = application

    @classmethod
    def factory(cls, global_conf, **local_conf):
        return cls


class KeystoneContext(_ContextMiddleware):
    """Builds the context from the headers keystonemiddleware sets."""

    @webob.dec.wsgify
    def __call__(self, request):
        ctx = context.RequestContext.from_environ(
            request.environ, remote_address=_remote_address(request))
        if not ctx.user_id:
            return webob.exc.HTTPUnauthorized()
        catalog = request.headers.get('X-Service-Catalog')
        if catalog:
            try:
                ctx.service_catalog = json.loads(catalog)
            except ValueError:
                return webob.exc.HTTPBadRequest(
                    explanation='Invalid service catalog json.')
        ctx.is_admin = policy.check_is_admin(ctx)
        request.environ[ENV_KEY] = ctx
        return request.get_response(self.application)


class NoAuth2(_ContextMiddleware):
    """Testing only: trusts the identity headers and makes everyone admin."""

    @webob.dec.wsgify
    def __call__(self, request):
        ctx = context.RequestContext.from_environ(
            request.environ, remote_address=_remote_address(request))
        ctx.is_admin = True
        request.environ[ENV_KEY] = ctx
        return request.get_response(self.application)


# Upstream's names of the factories, kept so that an api-paste.ini written
# for upstream Masakari (as deployment tools render it) loads unchanged.
pipeline_factory_v1 = app.pipeline_factory_v1
MasakariKeystoneContext = KeystoneContext
NoAuthMiddleware = NoAuth2
