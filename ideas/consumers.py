"""Live updates of one idea page at /ws/ideas/<id>/: vote counts and new comments."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.consumers import CLOSE_BAD_MESSAGE, CLOSE_UNAUTHENTICATED
from ideas.realtime import idea_group

CLOSE_FORBIDDEN = 4403


class IdeaConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.idea_id = int(self.scope["url_route"]["kwargs"]["idea_id"])
        if not await self._can_see(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = idea_group(self.idea_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    @database_sync_to_async
    def _can_see(self, user) -> bool:
        from ideas.selectors import idea_visible_to

        return idea_visible_to(user=user, idea_id=self.idea_id)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "")
        except ValueError:
            message = None
        if not isinstance(message, dict) or message.get("type") != "ping":
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        await self.send(text_data=json.dumps({"type": "pong"}))

    async def idea_update(self, event):
        await self.send(text_data=json.dumps(event["payload"]))
