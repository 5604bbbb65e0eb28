"""Live updates of one idea page at /ws/ideas/<id>/: vote counts and new comments."""

import json

from channels.db import database_sync_to_async

from config.consumers import CLOSE_UNAUTHENTICATED, LiveGroupsConsumer
from ideas.realtime import idea_group

CLOSE_FORBIDDEN = 4403


class IdeaConsumer(LiveGroupsConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.idea_id = int(self.scope["url_route"]["kwargs"]["idea_id"])
        if not await self._can_see(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.join_live_groups(idea_group(self.idea_id))
        await self.accept()

    @database_sync_to_async
    def _can_see(self, user) -> bool:
        from ideas.selectors import idea_visible_to

        return idea_visible_to(user=user, idea_id=self.idea_id)

    async def idea_update(self, event):
        await self.send(text_data=json.dumps(event["payload"]))
