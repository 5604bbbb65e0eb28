"""Live updates for everyone on an idea page, and delivery that survives faults: a worker killed
mid-send, Redis stopped during use."""

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.models import EmailOutbox, Notification
from config.asgi import application
from tests.conftest import needs_postgres, needs_redis
from tests.helpers import published
from tests.support.processes import PrivateRedis, start_worker, stop, worker_database_url

ROOT = Path(__file__).resolve().parents[2]


async def _socket(user, path):
    client = Client()
    await sync_to_async(client.force_login)(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        application,
        path,
        headers=[(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def _next_idea_event(communicator, timeout):
    while True:
        message = json.loads(await communicator.receive_from(timeout=timeout))
        if message.get("type") == "idea":
            return message


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_vote_and_a_comment_reach_everyone_viewing_the_idea(org):
    idea = await sync_to_async(published)(org.alice, org.theme)
    viewers = [
        await _socket(org.cora, f"/ws/ideas/{idea.pk}/"),
        await _socket(org.bob, f"/ws/ideas/{idea.pk}/"),
    ]
    voter = Client()
    await sync_to_async(voter.force_login)(org.colin)
    started = time.monotonic()
    response = await sync_to_async(voter.post)(f"/ideas/{idea.pk}/vote/")
    assert response.status_code == 302
    answered = time.monotonic()
    for viewer in viewers:
        event = await _next_idea_event(viewer, timeout=1)
        assert event["votes"] == 1
    assert time.monotonic() - answered < 1.0, f"took {time.monotonic() - started:.2f}s"
    await sync_to_async(voter.post)(f"/ideas/{idea.pk}/comments/", {"body": "Live comment"})
    for viewer in viewers:
        event = await _next_idea_event(viewer, timeout=1)
        assert event["comments"] == 1
        assert event["comment"]
    fragment = await sync_to_async(voter.get)(f"/ideas/comments/{event['comment']}/")
    assert b"Live comment" in fragment.content
    for viewer in viewers:
        await viewer.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_socket_on_a_hidden_idea_is_refused(org):
    from tests.helpers import submitted

    idea = await sync_to_async(submitted)(org.alice, org.theme)
    client = Client()
    await sync_to_async(client.force_login)(org.colin)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        application,
        f"/ws/ideas/{idea.pk}/",
        headers=[(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie.encode())],
    )
    connected, code = await communicator.connect(timeout=5)
    assert not connected
    assert code == 4403
    await asyncio.sleep(0)


@needs_redis
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_send_the_email_goes_out_exactly_once(org, tmp_path):
    from accounts.notifications import notify
    from accounts.tasks import send_outbox_email
    from config.celery import app

    mailbox = tmp_path / "mail"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": worker_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "tests.support.slow_email.SlowFileBackend",
        "SLOW_EMAIL_DIR": str(mailbox),
        "SLOW_EMAIL_SECONDS": "4",
        "CELERY_VISIBILITY_TIMEOUT": "3",
    }
    queue = f"kill-{time.time_ns()}"
    app.conf.task_always_eager = True
    with mock.patch("accounts.email.enqueue"):  # the e-mail waits in the outbox for the worker below
        notify(recipient_ids=[org.alice.pk], kind="mention", event_key="kill:1", text=lambda: "Mentioned")
    row = EmailOutbox.objects.get()
    first = start_worker(env, queue)
    try:
        app.conf.task_always_eager = False
        send_outbox_email.apply_async(args=[row.pk], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(mailbox.glob("sending-*.marker")):
            time.sleep(0.2)
        assert list(mailbox.glob("sending-*.marker")), "the worker never started sending"
        stop(first, signal.SIGKILL)  # killed in the middle of sending
        assert list(mailbox.glob("*.eml")) == []
        row.refresh_from_db()
        assert row.status == "pending"
        time.sleep(3.5)  # past the visibility timeout: the new worker's start-up sweep redelivers it
        second = start_worker({**env, "SLOW_EMAIL_SECONDS": "0"}, queue)
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                row.refresh_from_db()
                if row.status == "sent":
                    break
                if time.monotonic() > deadline - 60:  # the redelivery is late: the beat job drains it
                    from accounts.tasks import drain_outbox

                    drain_outbox.apply_async(queue=queue)
                time.sleep(1)
            time.sleep(2)
        finally:
            stop(second)
    finally:
        app.conf.task_always_eager = True
        stop(first, signal.SIGKILL)
    row.refresh_from_db()
    assert row.status == "sent"
    assert len(list(mailbox.glob("*.eml"))) == 1


def _reset_broker_pool(app):
    from kombu import pools

    pools.reset()  # forget connections to the previous broker URL
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_actions_still_succeed_and_notifications_follow_once(org, settings):
    from accounts.email import drain
    from config.celery import app
    from ideas.models import Vote

    redis = PrivateRedis()
    url = redis.url
    redis.start()
    old_broker = app.conf.broker_url
    try:
        settings.CACHES = {
            "default": {
                "BACKEND": "config.cache.ResilientRedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
        }
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        _reset_broker_pool(app)
        idea = published(org.alice, org.theme)
        redis.stop()  # Redis goes down
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(org.colin)
        started = time.monotonic()
        assert client.post(f"/ideas/{idea.pk}/vote/").status_code == 302
        assert client.post(f"/ideas/{idea.pk}/comments/", {"body": "Still works, @alice"}).status_code == 302
        assert time.monotonic() - started < 20
        assert client.get(f"/ideas/{idea.pk}/").status_code == 200
        assert Vote.objects.filter(idea=idea, voter=org.colin).exists()
        assert Notification.objects.filter(recipient=org.alice, kind="mention").count() == 1
        pending = EmailOutbox.objects.filter(status="pending").count()
        assert pending >= 1
        redis.start()  # Redis is back: the beat job drains the outbox
        app.conf.task_always_eager = True
        from django.core import mail

        assert drain(older_than_seconds=0) == pending
        assert drain(older_than_seconds=0) == 0
        assert len(mail.outbox) == pending
        assert EmailOutbox.objects.filter(status="pending").count() == 0
    finally:
        app.conf.broker_url = old_broker
        app.conf.task_always_eager = True
        _reset_broker_pool(app)
        redis.stop()


@needs_redis
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_badge_run_each_badge_is_awarded_and_announced_once(org, tmp_path):
    from badgify.models import Award

    from config.celery import app
    from gamification.tasks import badges_for_users

    with mock.patch("gamification.events._badges_later"):  # the badge run is left to the worker below
        published(org.alice, org.theme)
    assert not Award.objects.exists()
    markers = tmp_path / "badges"
    markers.mkdir()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": worker_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SLOW_BADGES_DIR": str(markers),
        "SLOW_BADGES_SECONDS": "30",
        "CELERY_VISIBILITY_TIMEOUT": "3",
    }
    queue = f"kill-badges-{time.time_ns()}"
    first = start_worker(env, queue, app="tests.support.slow_badges")
    try:
        app.conf.task_always_eager = False
        badges_for_users.apply_async(args=[[org.alice.pk]], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(markers.glob("paused-*.marker")):
            time.sleep(0.2)
        assert list(markers.glob("paused-*.marker")), "the worker never awarded a first badge"
        stop(first, signal.SIGKILL)  # killed half-way through the badge run
        awarded_before_kill = Award.objects.filter(user=org.alice).count()
        assert awarded_before_kill >= 1
        # Past the visibility timeout (3 s), the new worker's start-up sweep puts the task back
        # (kombu's periodic sweep would take up to 100 s).
        time.sleep(3.5)
        done = tmp_path / "done"
        done.mkdir()
        second = start_worker(
            {**env, "SLOW_BADGES_DIR": "", "SLOW_BADGES_DONE_DIR": str(done)},
            queue,
            app="tests.support.slow_badges",
        )
        try:
            badges_for_users.apply_async(args=[[org.alice.pk]], queue=queue)  # a later event's run
            # ... and the unacknowledged task, back after the visibility timeout: two runs in all.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(list(done.glob("done-*.marker"))) < 2:
                time.sleep(0.2)
            assert len(list(done.glob("done-*.marker"))) == 2, "the killed run never came back"
            time.sleep(1)  # a third, unexpected run would show as duplicates below
        finally:
            stop(second)
    finally:
        app.conf.task_always_eager = True
        stop(first, signal.SIGKILL)
    slugs = list(Award.objects.filter(user=org.alice).values_list("badge__slug", flat=True))
    assert "first-idea" in slugs
    assert len(slugs) == len(set(slugs)), slugs
    announced = list(
        Notification.objects.filter(recipient=org.alice, kind="badge").values_list("event_key", flat=True)
    )
    assert sorted(announced) == sorted(f"badge:{slug}" for slug in slugs)
