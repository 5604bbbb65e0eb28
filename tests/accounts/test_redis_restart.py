"""Live updates resume after Redis restarts, on the real stack: daphne as docker-compose.yml runs
it, a private redis-server that the test stops and starts again empty, websocket clients that
speak the protocol of frontend/static/js/ideabox.js (a ping on open and then every 30 s)."""

import contextlib
import json
import os
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client
from websockets.sync.client import connect

from tests.helpers import published
from tests.support.processes import (
    PrivateRedis,
    database_url_for_child,
    free_port,
    start_ws,
    stop,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

PREFIX = "ideabox-restart"


class LiveSocket:
    """One browser tab's socket: ``ping()`` is what ideabox.js sends on open and every 30 s."""

    def __init__(self, stack, port, path, cookie):
        self.path = path
        self.connection = stack.enter_context(
            connect(
                f"ws://127.0.0.1:{port}{path}",
                origin=f"http://127.0.0.1:{port}",
                additional_headers={"Cookie": cookie},
                proxy=None,
                open_timeout=20,
            )
        )

    def ping(self, timeout=15) -> bool:
        self.connection.send(json.dumps({"type": "ping"}))
        answer = self.next("pong", timeout)
        return answer["live"]

    def next(self, kind, timeout):
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.connection.recv(timeout=max(0.01, deadline - time.monotonic())))
            if message.get("type") == kind:
                return message

    def nothing(self, timeout) -> bool:
        try:
            message = self.connection.recv(timeout=timeout)
        except TimeoutError:
            return True
        pytest.fail(f"{self.path} received {message}")

    def drain(self):
        while True:
            try:
                self.connection.recv(timeout=0.2)
            except TimeoutError:
                return


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def test_live_updates_resume_after_a_redis_restart(org, settings, tmp_path):
    redis = PrivateRedis()
    redis.start()
    daphne = None
    sockets = contextlib.ExitStack()
    try:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [redis.url], "prefix": PREFIX},
            }
        }
        idea = published(org.alice, org.theme, title="Badge readers at the side entrance")
        alice, bob = _cookie(org.alice), _cookie(org.bob)
        env = {
            **os.environ,
            "DEBUG": "1",
            "IDEABOX_TESTING": "1",
            "DATABASE_URL": database_url_for_child(tmp_path),
            "REDIS_URL": redis.url,
            "CHANNELS_PREFIX": PREFIX,
            "CHANNELS_LAYER": "core",
            "CONN_MAX_AGE": "0",
        }
        port = free_port()
        log = tmp_path / "daphne.log"
        daphne = start_ws(env, port, log)
        # Alice's tab: the idea page's socket and the bell's, which ping. Bob's idea page and Alice's
        # second tab never ping after the restart: they show what happens without the rejoin.
        idea_tab = LiveSocket(sockets, port, f"/ws/ideas/{idea.pk}/", alice)
        bell_tab = LiveSocket(sockets, port, "/ws/notifications/", alice)
        idea_silent = LiveSocket(sockets, port, f"/ws/ideas/{idea.pk}/", bob)
        bell_silent = LiveSocket(sockets, port, "/ws/notifications/", alice)
        everyone = [idea_tab, bell_tab, idea_silent, bell_silent]
        assert all(socket.ping() for socket in everyone)

        colin = Client()
        colin.force_login(org.colin)
        assert colin.post(f"/ideas/{idea.pk}/vote/").status_code == 302
        for socket in (idea_tab, idea_silent):
            assert socket.next("idea", timeout=10)["votes"] == 1

        for socket in everyone:
            socket.drain()  # whatever else the vote sent
        redis.stop()
        # While Redis is down the sockets stay open; a ping says live updates are paused.
        assert idea_tab.ping() is False
        assert bell_tab.ping() is False
        redis.start()  # same port, no data: every group membership is gone

        # The first ping after the restart joins again (a pooled connection to the old Redis is
        # retried once, see CHANNEL_LAYERS in config/settings.py).
        assert idea_tab.ping(), _tail(log)
        assert bell_tab.ping(), _tail(log)
        started = time.monotonic()
        response = colin.post(f"/ideas/{idea.pk}/comments/", {"body": "The side door has no reader yet"})
        assert response.status_code == 302

        update = idea_tab.next("idea", timeout=10)
        assert update["comments"] == 1
        assert update["comment"]
        notification = bell_tab.next("notification", timeout=10)
        assert notification["unread"] >= 1
        assert time.monotonic() - started < 10
        # Without the ping's rejoin the event is lost, though the socket is open.
        assert idea_silent.nothing(timeout=2)
        assert bell_silent.nothing(timeout=0.5)
        assert idea_silent.ping(), _tail(log)
        assert colin.post(f"/ideas/{idea.pk}/comments/", {"body": "Second reader"}).status_code == 302
        assert idea_silent.next("idea", timeout=10)["comments"] == 2
        assert daphne.poll() is None
    finally:
        sockets.close()
        if daphne is not None:
            stop(daphne)
        redis.stop()


def _tail(log, lines=30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
