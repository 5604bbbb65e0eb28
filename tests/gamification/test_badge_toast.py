"""A badge earned shows up live, as a toast pushed over the person's websocket."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from tests.helpers import published

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.asyncio
async def test_badge_earned_arrives_as_a_live_notification(org):
    client = Client()
    await sync_to_async(client.force_login)(org.alice)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    await sync_to_async(published)(org.alice, org.theme)
    texts = []
    for _ in range(10):
        try:
            message = json.loads(await communicator.receive_from(timeout=5))
        except TimeoutError:
            break
        texts.append(message.get("text", ""))
        if any("New badge" in text for text in texts):
            break
    assert any("New badge: First idea" in text for text in texts), texts
    await communicator.disconnect()
