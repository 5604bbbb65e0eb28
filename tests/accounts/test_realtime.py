"""The per-user websocket: authenticated by the session, origin-checked, fed by the channel layer."""

import json
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from accounts.consumers import user_group
from config.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]


async def _connect(user=None, origin=b"http://testserver"):
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if user is not None:
        from django.test import Client

        client = Client()
        await sync_to_async(client.force_login)(user)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


@pytest.mark.asyncio
async def test_authenticated_user_receives_messages_sent_through_the_layer(org):
    communicator, connected, _code = await _connect(org.alice)
    assert connected
    await get_channel_layer().group_send(
        user_group(org.alice.pk),
        {"type": "notify", "payload": {"type": "notification", "text": "hi", "unread": 1}},
    )
    message = json.loads(await communicator.receive_from(timeout=5))
    assert message == {"type": "notification", "text": "hi", "unread": 1}
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_anonymous_is_refused(org):
    communicator, connected, code = await _connect(None)
    assert not connected
    assert code == 4401


@pytest.mark.asyncio
async def test_foreign_origin_is_refused(org):
    communicator, connected, _code = await _connect(org.alice, origin=b"http://evil.example.net")
    assert not connected


@pytest.mark.asyncio
async def test_malformed_message_closes_only_that_socket(org):
    bad, connected, _ = await _connect(org.alice)
    good, connected_too, _ = await _connect(org.bob)
    assert connected
    assert connected_too
    await bad.send_to(text_data="{not json")
    closed = await bad.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4400}
    await good.send_to(text_data=json.dumps({"type": "ping"}))
    assert json.loads(await good.receive_from(timeout=5)) == {"type": "pong", "live": True}
    await good.disconnect()


@pytest.mark.asyncio
async def test_a_ping_joins_the_group_again(org):
    """Redis forgets group memberships when it restarts: the next ping puts the socket back."""
    communicator, connected, _ = await _connect(org.alice)
    assert connected
    layer = get_channel_layer()
    group = user_group(org.alice.pk)
    await _forget_groups(layer, group)
    await layer.group_send(group, {"type": "notify", "payload": {"type": "notification", "text": "lost"}})
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.send_to(text_data=json.dumps({"type": "ping"}))
    assert json.loads(await communicator.receive_from(timeout=5)) == {"type": "pong", "live": True}
    await layer.group_send(group, {"type": "notify", "payload": {"type": "notification", "text": "back"}})
    assert json.loads(await communicator.receive_from(timeout=5))["text"] == "back"
    await communicator.disconnect()


async def _forget_groups(layer, group):
    """What a Redis restart does to the memberships, on whichever layer the tests run."""
    if hasattr(layer, "groups"):  # in-memory layer
        layer.groups.pop(group, None)
    else:  # channels_redis: the group is one sorted set
        connection = layer.connection(layer.consistent_hash(group))
        await connection.delete(layer._group_key(group))


@pytest.mark.asyncio
async def test_a_channel_layer_failure_keeps_the_socket_and_the_next_ping_retries(org):
    layer = get_channel_layer()
    real_group_add = layer.group_add
    with mock.patch.object(layer, "group_add", side_effect=ConnectionError("Redis is down")):
        communicator, connected, _ = await _connect(org.alice)  # accepted: the next ping joins
        assert connected
        await communicator.send_to(text_data=json.dumps({"type": "ping"}))
        assert json.loads(await communicator.receive_from(timeout=5)) == {"type": "pong", "live": False}
    with mock.patch.object(layer, "group_add", side_effect=real_group_add) as group_add:
        await communicator.send_to(text_data=json.dumps({"type": "ping"}))
        assert json.loads(await communicator.receive_from(timeout=5)) == {"type": "pong", "live": True}
    assert group_add.call_count == 1
    await layer.group_send(
        user_group(org.alice.pk), {"type": "notify", "payload": {"type": "notification", "text": "back"}}
    )
    assert json.loads(await communicator.receive_from(timeout=5))["text"] == "back"
    with mock.patch.object(layer, "group_discard", side_effect=ConnectionError("Redis is down")):
        await communicator.disconnect()  # no exception out of the consumer


@pytest.mark.asyncio
async def test_a_failing_channel_layer_receive_does_not_end_the_consumer(org):
    """channels ends a consumer at the layer's first receive error (daphne closes the socket with
    1011); the consumer waits for the layer to come back instead."""
    layer = get_channel_layer()
    real_receive = layer.receive
    failures = []

    async def receive(channel):
        if len(failures) < 3:
            failures.append(channel)
            raise ConnectionError("Redis is down")
        return await real_receive(channel)

    with mock.patch.object(layer, "receive", side_effect=receive):
        communicator, connected, _ = await _connect(org.alice)
        assert connected
        await layer.group_send(
            user_group(org.alice.pk), {"type": "notify", "payload": {"type": "notification", "text": "late"}}
        )
        assert json.loads(await communicator.receive_from(timeout=10))["text"] == "late"
        assert len(failures) == 3
        await communicator.disconnect()
