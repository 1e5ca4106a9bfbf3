"""The shared cache, and what the site does when it fails.

Everything the site keeps in its cache (rendered pages and factsheets, the public content's
version) can be made again from the database, so a cache outage must slow the site, never stop
it. `TolerantRedisCache` is Django's own Redis backend with its failures turned into misses: a
read finds nothing, a write is dropped, and after a failure the cache is left alone for
`RETRY_SECONDS` so that no request waits on a server that is down. What decides whether a kept
rendering is current lives in the database (qualifications/kept.py), so a cache that lost what
was written while it was away serves nothing stale when it comes back.
"""

import functools
import logging
import time

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# After a failure, the cache is tried again this many seconds later, not on every request.
RETRY_SECONDS = 1.0
AVAILABILITY_KEY = "cache-availability-check"


def _tolerant(default):
    """Wrap a cache method so that a Redis failure returns `default` instead of raising."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._retry_at:
                return default
            try:
                result = method(self, *args, **kwargs)
                if self._down:
                    self._down = False
                    logger.warning("cache available again")
                return result
            except (RedisError, OSError) as error:
                self._failed(error)
                return default

        return wrapper

    return decorate


class TolerantRedisCache(RedisCache):
    """Django's Redis cache backend, whose failures are misses and dropped writes."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._retry_at = 0.0
        self._down = False

    def _failed(self, error):
        if not self._down:
            logger.warning("cache unavailable, serving without it: %s", error)
        self._down = True
        self._retry_at = time.monotonic() + RETRY_SECONDS

    def is_available(self):
        """True if the cache answers now (tried at once, whenever it last failed)."""
        self._retry_at = 0.0
        return self.has_key(AVAILABILITY_KEY) is not None

    add = _tolerant(False)(RedisCache.add)
    get = _tolerant(None)(RedisCache.get)
    set = _tolerant(None)(RedisCache.set)
    touch = _tolerant(False)(RedisCache.touch)
    delete = _tolerant(False)(RedisCache.delete)
    get_many = _tolerant({})(RedisCache.get_many)
    has_key = _tolerant(None)(RedisCache.has_key)
    incr = _tolerant(None)(RedisCache.incr)
    set_many = _tolerant([])(RedisCache.set_many)
    delete_many = _tolerant(None)(RedisCache.delete_many)
    clear = _tolerant(False)(RedisCache.clear)


def cache_is_available():
    """True if the default cache answers now."""
    check = getattr(cache, "is_available", None)
    if check is not None:
        return check()
    try:
        cache.has_key(AVAILABILITY_KEY)
    except Exception:
        return False
    return True
