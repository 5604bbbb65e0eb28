"""A Redis cache that fails open: when Redis is down, reads miss and writes are dropped, so pages,
votes and comments keep working (the database is the source of truth); /healthz reports it down."""

import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger("ideabox.cache")


def _fail_open(method, fallback):
    def wrapper(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), method)(*args, **kwargs)
        except Exception as exc:  # redis.ConnectionError, TimeoutError...: degrade, never fail the request
            logger.warning("cache %s failed: %s", method, exc.__class__.__name__)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    return wrapper


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a ``redis.Redis`` for every cache call, and each one fills a table of about
    170 response callbacks: 0.1 ms per call, several calls per page (bench/profile_pages.py). The
    client holds nothing but its pool, and is thread-safe: one per pool is enough."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    get = _fail_open("get", lambda key, default=None, version=None: default)
    set = _fail_open("set", None)
    add = _fail_open("add", False)
    delete = _fail_open("delete", False)
    touch = _fail_open("touch", False)
    get_many = _fail_open("get_many", {})
    set_many = _fail_open("set_many", [])
    delete_many = _fail_open("delete_many", None)
    has_key = _fail_open("has_key", False)
    incr = _fail_open("incr", 0)
    clear = _fail_open("clear", None)
