"""The Redis cache keeps one client per connection pool (Django builds one per call), and that
client still fails open while Redis is down and works again once it is back."""

import pytest

from config.cache import ResilientRedisCache
from tests.support.processes import PrivateRedis

pytestmark = [pytest.mark.redis, pytest.mark.timeout(60)]


@pytest.fixture
def redis_server():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


def _cache(url):
    return ResilientRedisCache(url, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})


def test_one_client_per_pool(redis_server):
    cache = _cache(redis_server.url)
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("k", {"v": 1}, 30)
    assert cache.get("k") == {"v": 1}
    assert cache.get_many(["k", "missing"]) == {"k": {"v": 1}}


def test_reused_client_survives_a_restart(redis_server):
    cache = _cache(redis_server.url)
    cache.set("k", "before", 30)
    client = cache._cache.get_client()

    redis_server.stop()
    assert cache.get("k", "fallback") == "fallback"  # fails open, no exception
    assert cache.set("k", "during", 30) is None

    redis_server.start()  # same port, empty
    assert cache.get("k") is None
    cache.set("k", "after", 30)
    assert cache.get("k") == "after"
    assert cache._cache.get_client() is client
