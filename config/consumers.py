"""The base of the websocket consumers: channel groups joined on connect and joined again on every
ping, and a channel layer outage that never ends a consumer.

Redis keeps the group memberships; when it restarts empty it forgets them, and a socket that
stayed open would stop receiving anything without noticing. Clients ping every 30 seconds
(frontend/static/js/ideabox.js) and each ping adds the channel to its groups again (group_add is
idempotent, and it also renews the membership's expiry). While Redis is down the socket stays
open: the pong says ``"live": false`` and the next ping tries again.
"""

import asyncio
import json
import logging
import random

from channels.generic.websocket import AsyncWebsocketConsumer

logger = logging.getLogger("ideabox.realtime")

# Close codes (4000-4999 are for applications).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_BAD_MESSAGE = 4400

# A group_add on a Redis that does not answer must not hold the socket's other messages for long.
JOIN_TIMEOUT_SECONDS = 5
RECEIVE_RETRY_MAX_SECONDS = 5


class LiveGroupsConsumer(AsyncWebsocketConsumer):
    """Transport only: subclasses authorise in ``connect()`` and call ``join_live_groups``."""

    live_groups: tuple[str, ...] = ()
    live: bool | None = None  # None until the first join

    async def join_live_groups(self, *groups: str) -> bool:
        """Joins ``groups`` now and again on every ping. False when the channel layer failed."""
        self.live_groups = groups
        return await self._join()

    async def _join(self) -> bool:
        names = ", ".join(self.live_groups)
        try:
            async with asyncio.timeout(JOIN_TIMEOUT_SECONDS):
                for group in self.live_groups:
                    await self.channel_layer.group_add(group, self.channel_name)
        except Exception as exc:  # Redis down or slow: the socket stays, the next ping retries
            if self.live is not False:  # once per outage and socket
                logger.warning("realtime: cannot join %s: %s", names, exc.__class__.__name__)
            self.live = False
            return False
        if self.live is False:
            logger.info("realtime: joined %s again", names)
        self.live = True
        return True

    async def disconnect(self, code):
        try:
            async with asyncio.timeout(JOIN_TIMEOUT_SECONDS):
                for group in self.live_groups:
                    await self.channel_layer.group_discard(group, self.channel_name)
        except Exception as exc:  # Redis down: the membership expires with the group
            logger.info("realtime: cannot leave %s: %s", ", ".join(self.live_groups), exc.__class__.__name__)

    async def receive(self, text_data=None, bytes_data=None):
        # Clients only send pings; anything else is a protocol error for this socket alone.
        try:
            message = json.loads(text_data or "")
        except ValueError:
            message = None
        if not isinstance(message, dict) or message.get("type") != "ping":
            await self.close(code=CLOSE_BAD_MESSAGE)
            return
        live = await self._join()
        await self.send(text_data=json.dumps({"type": "pong", "live": live}))

    # channels' AsyncConsumer.__call__ sets ``channel_receive`` to the layer's receive and lets its
    # first exception end the consumer (daphne closes the socket with 1011). channels_redis shares
    # one blocking read among a process's consumers, so a short outage killed some sockets and left
    # the others open but deaf. Wrapped here, every consumer waits for the layer instead.
    @property
    def channel_receive(self):
        return self._receive_from_layer

    @channel_receive.setter
    def channel_receive(self, receive):
        self._layer_receive = receive

    async def _receive_from_layer(self):
        failures = 0
        while True:
            try:
                message = await self._layer_receive()
            except Exception as exc:
                if not failures:
                    logger.warning("realtime: channel layer unavailable: %s", exc.__class__.__name__)
                failures += 1
                delay = min(RECEIVE_RETRY_MAX_SECONDS, 0.25 * 2**failures)
                await asyncio.sleep(delay * random.uniform(0.5, 1))  # noqa: S311 (jitter, not a secret)
                continue
            if failures:
                logger.info("realtime: channel layer back after %d failed receives", failures)
            return message
