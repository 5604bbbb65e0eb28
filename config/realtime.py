"""Sending to channel groups without ever failing the user's action (Redis may be down)."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger("ideabox.realtime")


def group_send_safely(group: str, message: dict) -> bool:
    """Sends to a channel group; returns False (and logs) when the layer is unavailable."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as exc:  # Redis down or full: live updates pause, the action stands
        logger.warning("realtime: cannot send to %s: %s", group, exc.__class__.__name__)
        return False
    return True


def group_send_many_safely(messages: list[tuple[str, dict]]) -> int:
    """Sends several (group, message) pairs in one event loop (one Redis connection instead of one
    per message: a nightly badge run notifies thousands). Stops at the first failure, logged like
    ``group_send_safely``; returns how many were sent."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return 0

    async def send_all() -> int:
        sent = 0
        for group, message in messages:
            await layer.group_send(group, message)
            sent += 1
        return sent

    try:
        return async_to_sync(send_all)()
    except Exception as exc:  # Redis down or full: live updates pause, the action stands
        logger.warning("realtime: cannot send to %d groups: %s", len(messages), exc.__class__.__name__)
        return 0
