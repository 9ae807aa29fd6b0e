"""Query-string parsing shared by the list endpoints: paging, sorting and
boolean filters."""
from oslo_config import cfg
from oslo_utils import strutils

from masakari import exception
from masakari.db import api as db

CONF = cfg.CONF


def _non_negative_int(params, name: str) -> int | None:
    if name not in params:
        return None
    try:
        value = int(params[name])
    except ValueError:
        raise exception.InvalidInput(reason=f'{name} must be an integer')
    if value < 0:
        raise exception.InvalidInput(reason=f'{name} must be >= 0')
    return value


def list_query(params) -> db.ListQuery:
    """limit, marker (the integer id of the last row seen), sort_key and
    sort_dir (both repeatable); page_size is validated and then ignored."""
    limit = _non_negative_int(params, 'limit')
    _non_negative_int(params, 'page_size')
    if limit is None or limit > CONF.osapi_max_limit:
        limit = CONF.osapi_max_limit
    sort_keys = [key.strip() for key in params.getall('sort_key')]
    sort_dirs = [direction.strip() for direction in params.getall('sort_dir')]
    for direction in sort_dirs:
        if direction not in ('asc', 'desc'):
            raise exception.InvalidInput(
                reason="Unknown sort direction, must be 'asc' or 'desc'")
    if not sort_keys:
        sort_keys = ['created_at']
    if len(sort_dirs) > len(sort_keys):
        raise exception.InvalidInput(
            reason='Sort direction size exceeds sort key size')
    return db.ListQuery(sort_keys, sort_dirs, limit, params.get('marker'))


def boolean_filter(params, name: str, filters: dict) -> None:
    if name not in params:
        return
    try:
        filters[name] = strutils.bool_from_string(params[name], strict=True)
    except ValueError as error:
        raise exception.InvalidInput(
            message=f'Invalid value for {name}: {error}')


def exact_filters(params, names: tuple[str, ...]) -> dict:
    return {name: params[name] for name in names if name in params}
