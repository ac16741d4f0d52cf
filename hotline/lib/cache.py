"""The shared cache (Redis in production) must never take the platform down with it.

The cache holds only what may be lost: API throttle and guessing-limit counters, and the live
evaluation month. When Redis does not answer, every operation logs a warning (at most once a
minute per process) and behaves as a miss, so intake keeps working through a Redis outage just
as it does through a broker outage (the limits are off meanwhile).
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_WARN_EVERY_SECONDS = 60
_last_warning = 0.0


def _warn(operation: str, error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning("cache unavailable, %s treated as a miss: %s", operation, error)


def _or(fallback):
    """Run the method; on a Redis error, warn and return ``fallback(*args, **kwargs)``."""

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                _warn(method.__name__, error)
                return fallback(*args, **kwargs)

        return guarded

    return decorate


def _missing_key(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found")  # what incr() says of a missing key


class ResilientRedisCache(RedisCache):
    get = _or(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _or(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _or(lambda *args, **kwargs: False)(RedisCache.has_key)
    add = _or(lambda *args, **kwargs: False)(RedisCache.add)
    set = _or(lambda *args, **kwargs: None)(RedisCache.set)
    set_many = _or(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    touch = _or(lambda *args, **kwargs: False)(RedisCache.touch)
    incr = _or(_missing_key)(RedisCache.incr)
    delete = _or(lambda *args, **kwargs: False)(RedisCache.delete)
    delete_many = _or(lambda *args, **kwargs: None)(RedisCache.delete_many)
    clear = _or(lambda *args, **kwargs: False)(RedisCache.clear)
