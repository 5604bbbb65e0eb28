"""The Redis channel layer must not time out its own blocking reads (idle websockets stay up)."""

from channels.layers import get_channel_layer
from channels_redis.utils import create_pool

from tests.conftest import needs_redis


@needs_redis
def test_socket_timeout_outlasts_the_blocking_pop():
    """channels_redis waits on BZPOPMIN for ``brpop_timeout`` seconds (5); a socket timeout of the
    same length (redis-py 8's default) raced it and closed one idle websocket every 5 seconds."""
    layer = get_channel_layer()
    connection = create_pool(layer.hosts[0]).make_connection()
    assert connection.socket_timeout is not None
    assert connection.socket_timeout > layer.brpop_timeout + 1
