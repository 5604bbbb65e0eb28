"""The database goes away: requests fail cleanly (503 with a message, never a 500 traceback page)
and succeed again once it is back; no idea is half-written and no acknowledged action is lost."""

import os
import secrets
import subprocess
import threading
import time
from unittest import mock

import psycopg2
import pytest
import requests
from django.conf import settings
from django.db import OperationalError
from django.test import Client

from ideas.models import Idea
from tests.conftest import needs_postgres
from tests.factories import PASSWORD, UserFactory
from tests.helpers import published
from tests.support.processes import PrivatePostgres, free_port, start_web, stop

MESSAGE = "cannot reach its database"


def test_a_view_that_loses_the_database_answers_503_with_a_message(org):
    idea = published(org.alice, org.theme)
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(org.colin)
    with mock.patch("ideas.services.vote_cast", side_effect=OperationalError("server closed the connection")):
        response = client.post(f"/ideas/{idea.pk}/vote/")
    assert response.status_code == 503
    assert MESSAGE in response.content.decode()
    assert response["Retry-After"]
    with mock.patch("ideas.api.IdeaViewSet.list", side_effect=OperationalError("gone")):
        api = client.get("/api/v1/ideas/")
    assert api.status_code == 503
    assert api.json()["code"] == "database_unavailable"  # the API answers JSON


def test_middleware_that_loses_the_database_answers_503_when_debug_is_off(org, settings):
    settings.DEBUG = False
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(org.colin)
    from django.core.cache import cache

    cache.clear()  # with Redis the session engine is cached_db: make it read the database
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore._get_session_from_db",
        side_effect=OperationalError("no connection"),
    ):
        response = client.get("/ideas/")
    assert response.status_code == 503
    assert MESSAGE in response.content.decode()


def test_other_database_errors_stay_500_errors(org, settings):
    from django.db import IntegrityError

    settings.DEBUG = False
    idea = published(org.alice, org.theme)
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(org.colin)
    with mock.patch("ideas.services.vote_cast", side_effect=IntegrityError("a bug")):
        response = client.post(f"/ideas/{idea.pk}/vote/")
    assert response.status_code == 500  # a bug must not hide behind "try again"


def _copy_database(pg: PrivatePostgres) -> None:
    """The test database (migrated, with the cast and their sessions) into the private cluster."""
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    pg._run("createdb", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "ideabox")
    dump = subprocess.run(  # noqa: S603
        [f"{pg.bin}/pg_dump", "-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
        + ["-U", db.get("USER") or "postgres", "-Fc", "--no-owner", db["NAME"]],
        capture_output=True,
        env=env,
        timeout=120,
        check=True,
    )
    subprocess.run(  # noqa: S603
        [f"{pg.bin}/pg_restore", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres"]
        + ["--no-owner", "-d", "ideabox"],
        input=dump.stdout,
        capture_output=True,
        timeout=120,
        check=True,
    )


def login(base, email):
    """Signs in through the real login form, as a browser would."""
    http = requests.Session()
    http.get(f"{base}/accounts/login/", timeout=60)
    token = http.cookies[settings.CSRF_COOKIE_NAME]
    response = http.post(
        f"{base}/accounts/login/",
        data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text[:500]
    return http


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_database_restart_under_load(org):
    targets = [published(org.cora, org.theme, title=f"Vote target {n}") for n in range(4)]
    voters = UserFactory.create_batch(6, entity=org.dept_b1)
    pg = PrivatePostgres()
    web = None
    try:
        pg.start()
        _copy_database(pg)
        port = free_port()
        env = {
            **os.environ,
            "DEBUG": "0",
            "IDEABOX_TESTING": "1",  # plain static storage: no collectstatic manifest needed
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": pg.url,
            "DATABASE_CONNECT_TIMEOUT": "2",
            "CONN_MAX_AGE": "60",
            "REDIS_URL": "",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "AXES_ENABLED": "0",
            # A few people send hundreds of requests: the contribution rate limits would answer 429.
            "RATE_LIMIT_IDEA": "10000/h",
            "RATE_LIMIT_VOTE": "10000/h",
            "LOG_LEVEL": "CRITICAL",
        }
        web = start_web(env, port)
        base = f"http://127.0.0.1:{port}"
        signed_in = [login(base, voter.email) for voter in voters]
        results = []  # (started, kind, key, status, body excerpt, seconds)
        running = threading.Event()
        running.set()

        def worker(index):
            http = signed_in[index]
            headers = {"X-CSRFToken": http.cookies[settings.CSRF_COOKIE_NAME], "Accept-Language": "en"}
            n = 0
            while running.is_set():
                n += 1
                if n % 2:
                    title = f"Fault idea {index}-{n}"
                    data = {"title": title, "body": "Written while the database restarts.", "submit": "1"}
                    data["theme"] = str(org.theme.pk)
                    kind, key, url = "submit", title, f"{base}/ideas/new/"
                else:
                    idea = targets[(n // 2) % len(targets)]
                    kind, key, url, data = "vote", idea.pk, f"{base}/ideas/{idea.pk}/vote/", {}
                started = time.monotonic()
                try:
                    response = http.post(url, data=data, headers=headers, allow_redirects=False, timeout=30)
                    status, text = response.status_code, response.text[:2000]
                    if status == 302 and "/accounts/login" in response.headers.get("Location", ""):
                        status = -302  # signed out: not a success
                except requests.RequestException as exc:
                    status, text = 0, exc.__class__.__name__
                results.append((started, kind, key, status, text, time.monotonic() - started))
                time.sleep(0.05)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(voters))]
        for thread in threads:
            thread.start()
        time.sleep(4)
        down_at = time.monotonic()
        stopped = pg.stop("immediate")  # a crash, mid-request
        print("stopped:", stopped.returncode, stopped.stdout, stopped.stderr)
        time.sleep(4)
        pg.start()
        up_at = time.monotonic()
        time.sleep(8)
        running.clear()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        if web is not None:
            stop(web)
    try:
        statuses = {}
        for _at, _kind, _key, status, _text, _took in results:
            statuses[status] = statuses.get(status, 0) + 1
        during = [r for r in results if down_at + 0.5 < r[0] < up_at]
        after = [r for r in results if r[0] > up_at + 3]
        print(f"database restart: {len(results)} requests, statuses {statuses}")
        assert not [r for r in results if r[3] not in (302, 503)], statuses
        assert during, "no request was made while the database was down"
        assert all(r[3] == 503 and MESSAGE in r[4] for r in during if r[3] != 302)
        assert any(r[3] == 503 for r in during)
        assert after, "no request after the restart"
        assert all(r[3] == 302 for r in after), [r for r in after if r[3] != 302][:3]
        connection = psycopg2.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname="ideabox")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.title, i.state, i.assignee_id IS NOT NULL, (SELECT count(*)"
                " FROM moderation_transition t WHERE t.idea_id = i.id AND t.to_state = 'submitted')"
                " FROM ideas_idea i WHERE i.title LIKE 'Fault idea %%'"
            )
            stored = {title: rest for title, *rest in cursor.fetchall()}
            cursor.execute(
                "SELECT i.id, i.vote_count, (SELECT count(*) FROM ideas_vote v WHERE v.idea_id = i.id)"
                " FROM ideas_idea i WHERE i.title LIKE 'Vote target %%'"
            )
            counters = cursor.fetchall()
            cursor.execute("SELECT idea_id, voter_id FROM ideas_vote")
            votes = set(cursor.fetchall())
        connection.close()
        acknowledged = {r[2] for r in results if r[1] == "submit" and r[3] == 302}
        lost = acknowledged - set(stored)
        half_written = {title: rest for title, rest in stored.items() if rest != ["submitted", True, 1]}
        print(
            f"ideas acknowledged {len(acknowledged)}, stored {len(stored)}, lost {len(lost)}, "
            f"half-written {len(half_written)}; vote counters {counters}"
        )
        assert lost == set()
        assert half_written == {}
        assert all(count == rows for _pk, count, rows in counters)
        assert votes  # votes went through before and after the restart
    finally:
        pg.destroy()
    assert Idea.objects.filter(title__startswith="Fault idea").count() == 0  # the private cluster only
