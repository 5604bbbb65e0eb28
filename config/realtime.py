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
