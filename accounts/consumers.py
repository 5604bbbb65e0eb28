"""The per-user notification stream at /ws/notifications/."""

import json

from config.consumers import CLOSE_UNAUTHENTICATED, LiveGroupsConsumer


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


class NotificationConsumer(LiveGroupsConsumer):
    """Transport only: joins the user's group and forwards what the server sends to it."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.join_live_groups(user_group(user.pk))
        await self.accept()

    async def notify(self, event):
        await self.send(text_data=json.dumps(event["payload"]))
