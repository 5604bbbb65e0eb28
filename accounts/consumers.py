"""The per-user notification stream at /ws/notifications/."""

import json

from channels.generic.websocket import AsyncWebsocketConsumer

# Close codes (4000-4999 are for applications).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_BAD_MESSAGE = 4400


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


class NotificationConsumer(AsyncWebsocketConsumer):
    """Transport only: joins the user's group and forwards what the server sends to it."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        # Clients only send pings; anything else is a protocol error for this socket alone.
        try:
            message = json.loads(text_data or "")
        except ValueError:
            message = None
        if not isinstance(message, dict) or message.get("type") != "ping":
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        await self.send(text_data=json.dumps({"type": "pong"}))

    async def notify(self, event):
        await self.send(text_data=json.dumps(event["payload"]))
