"""The local Redis for coordination tests. When CI=true a Redis that does
not answer fails the test instead of skipping it."""
import os

import pytest
import redis


def require_redis() -> None:
    try:
        redis.Redis(host='127.0.0.1', port=6379, socket_timeout=2).ping()
    except redis.RedisError as error:
        message = f'Redis is not answering on 127.0.0.1:6379: {error}'
        if os.environ.get('CI') == 'true':
            pytest.fail(message)
        pytest.skip(message)
