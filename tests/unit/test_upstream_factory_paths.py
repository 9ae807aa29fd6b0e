"""Upstream's api-paste.ini factory paths resolve to our own factories, so
both spellings of the file build the same application."""
import functools
import importlib

import pytest

from masakari.api import app
from masakari.api import auth
from masakari.api import faults
from masakari.api import urlmap
from masakari.api import v1
from masakari.api import versions

UPSTREAM_TO_OURS = [
    ('masakari.api.urlmap:urlmap_factory', urlmap.urlmap_factory),
    ('masakari.api.auth:pipeline_factory_v1', app.pipeline_factory_v1),
    ('masakari.api.openstack:FaultWrapper.factory',
     faults.FaultWrapper.factory),
    ('masakari.api.auth:MasakariKeystoneContext.factory',
     auth.KeystoneContext.factory),
    ('masakari.api.auth:NoAuthMiddleware.factory', auth.NoAuth2.factory),
    ('masakari.api.openstack.ha:APIRouterV1.factory', v1.app_factory),
    ('masakari.api.openstack.ha.versions:Versions.factory',
     versions.VersionsApp.factory),
]


@pytest.mark.parametrize('path,ours', UPSTREAM_TO_OURS,
                         ids=[path for path, _ in UPSTREAM_TO_OURS])
def test_upstream_path_is_our_factory(path, ours):
    # "module:attr.attr" as PasteDeploy resolves a factory.
    module, attrs = path.split(':')
    found = functools.reduce(getattr, attrs.split('.'),
                             importlib.import_module(module))
    assert found == ours
