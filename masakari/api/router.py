"""The v1 URL map: which (method, path) is which controller action.

It reproduces the routes a REST mapper generates for each collection:
index/create on the collection, show/update/delete on a member, plus the
``new`` and ``edit`` forms and a member ``action``. A route that exists
but whose action a controller does not implement answers 405; anything
else is an unrouted 404.
"""
import dataclasses
import re

from oslo_config import cfg

CONF = cfg.CONF

COLLECTIONS = ('segments', 'notifications', 'extensions', 'versions')
_DEFAULT_PROJECT_ID_REGEX = r'[0-9a-f\-]+'

# (path pattern, method) -> action. "{x}" segments capture arguments.
_COLLECTION = [
    ('', 'GET', 'index'),
    ('', 'POST', 'create'),
    ('new', 'GET', 'new'),
    ('{id}', 'GET', 'show'),
    ('{id}', 'PUT', 'update'),
    ('{id}', 'DELETE', 'delete'),
    ('{id}/edit', 'GET', 'edit'),
]
_MEMBER_ACTION = [('{id}/action', 'POST', 'action')]


def _routes(prefix: str, resource: str, member_action: bool = False):
    for suffix, method, action in _COLLECTION + (
            _MEMBER_ACTION if member_action else []):
        path = '/'.join(p for p in (prefix, suffix) if p)
        yield tuple(path.split('/')), method, resource, action


ROUTES = [
    *_routes('versions', 'versions'),
    *_routes('extensions', 'extensions'),
    *_routes('segments', 'segments', member_action=True),
    *_routes('segments/{segment_id}/hosts', 'hosts'),
    *_routes('notifications', 'notifications', member_action=True),
    *_routes('notifications/{notification_id}/vmoves', 'vmoves'),
]


@dataclasses.dataclass
class Match:
    resource: str
    action: str
    args: list[str]
    project_id: str | None
    json_suffix: bool


def _split_project(parts: list[str]):
    regex = CONF.osapi_v1.project_id_regex or _DEFAULT_PROJECT_ID_REGEX
    if parts and parts[0] not in COLLECTIONS and re.fullmatch(regex, parts[0]):
        return parts[0], parts[1:]
    return None, parts


def _strip_format(parts: list[str]) -> tuple[list[str], bool]:
    last = parts[-1]
    for suffix in ('.json', '.xml'):
        if last.endswith(suffix) and len(last) > len(suffix):
            return parts[:-1] + [last[:-len(suffix)]], suffix == '.json'
    return parts, False


def match(method: str, parts: list[str]) -> Match | None:
    """The route of a path below /v1 (split on '/'), or None."""
    project_id, parts = _split_project(parts)
    if not parts or '' in parts:
        return None
    parts, json_suffix = _strip_format(parts)
    for pattern, route_method, resource, action in ROUTES:
        if route_method != method or len(pattern) != len(parts):
            continue
        args = []
        for expected, actual in zip(pattern, parts):
            if expected.startswith('{'):
                args.append(actual)
            elif expected != actual:
                break
        else:
            return Match(resource, action, args, project_id, json_suffix)
    return None
