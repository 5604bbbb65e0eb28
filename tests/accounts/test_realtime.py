"""The per-user websocket: authenticated by the session, origin-checked, fed by the channel layer."""

import json

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
    assert json.loads(await good.receive_from(timeout=5)) == {"type": "pong"}
    await good.disconnect()
