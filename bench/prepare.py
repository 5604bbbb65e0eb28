"""Bench fixture, run inside Django against the bench database (called by bench/run.py).

Picks the people and ideas the load generator uses, creates their sessions (no password hashing
under load: the cookies are made here), and captures the SQL that each page runs, with its
parameters, so that bench/run.py can time that SQL alone with psycopg2 (the database floor).

    DATABASE_URL=... python bench/prepare.py --out fixture.json --employees 60 --hot-voters 200
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Domain, Entity, User  # noqa: E402
from ideas.models import OPEN_STATES, Campaign, Idea, IdeaState, Theme, Vote  # noqa: E402

SEARCH_WORDS = ["facturation", "logistique", "invoicing", "réunions", "energy", "recrutement", "stocks"]
SIMILAR_TITLES = [
    "Automatiser la facturation des clients",
    "Simplify the expense reports",
    "Réduire le coût de la logistique",
    "Digitise the onboarding of new hires",
    "Mesurer l'énergie des sites",
]
EXECUTIVE_DATA = [
    "pipeline.json",
    "participation.json?days=365",
    "participation-by-entity.json?days=365",
    "participation-over-time.json?days=365",
    "gains.json",
    "campaigns.json",
]


def session_for(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def person(user: User, csrf: str) -> dict:
    return {"id": user.pk, "email": user.email, "session": session_for(user), "csrf": csrf}


def open_ideas():
    return Idea.objects.filter(state__in=OPEN_STATES, is_hidden=False)


def pick_people(rng: random.Random, n_employees: int, n_hot: int) -> dict:
    plain = User.objects.filter(
        is_active=True, is_correspondent=False, is_executive=False, is_community_manager=False, is_staff=False
    )
    pool = list(plain.values_list("pk", flat=True))
    chosen = rng.sample(pool, min(n_employees, len(pool)))
    csrf = _get_new_csrf_string()
    employees = [person(u, csrf) for u in User.objects.filter(pk__in=chosen).order_by("pk")]
    # Correspondents with the longest queues, and executives.
    correspondents = list(
        User.objects.filter(is_correspondent=True, is_active=True)
        .annotate(waiting=Count("assigned_ideas", filter=Q(assigned_ideas__state=IdeaState.SUBMITTED)))
        .order_by("-waiting", "pk")[:3]
    )
    executives = list(User.objects.filter(is_executive=True, is_active=True).order_by("pk")[:2])
    # Vote targets per employee: open ideas they did not write and did not support yet.
    idea_pool = list(open_ideas().values_list("pk", "author_id"))
    voted = set(
        Vote.objects.filter(voter_id__in=[e["id"] for e in employees]).values_list("voter_id", "idea_id")
    )
    for employee in employees:
        candidates = [
            pk for pk, author in rng.sample(idea_pool, min(600, len(idea_pool))) if author != employee["id"]
        ]
        employee["vote_ideas"] = [pk for pk in candidates if (employee["id"], pk) not in voted][:300]
    # Hot spot: one open idea, and n_hot people who have not voted on it and did not write it.
    hot = (
        open_ideas()
        .filter(state=IdeaState.PUBLISHED, domain__shortlist_vote_threshold__isnull=True)
        .order_by("vote_count", "pk")
    )
    hot_idea = (
        hot[rng.randrange(min(50, hot.count()))] if hot.exists() else open_ideas().order_by("pk").first()
    )
    already = set(hot_idea.votes.values_list("voter_id", flat=True)) | {hot_idea.author_id}
    hot_pool = [pk for pk in pool if pk not in already]
    hot_voters = [person(u, csrf) for u in User.objects.filter(pk__in=rng.sample(hot_pool, n_hot))]
    return {
        "csrf": csrf,
        "employees": employees,
        "correspondents": [person(u, csrf) for u in correspondents],
        "executives": [person(u, csrf) for u in executives],
        "hot": {"idea": hot_idea.pk, "voters": hot_voters},
    }


def pick_targets(rng: random.Random) -> dict:
    sample = list(open_ideas().values_list("pk", flat=True))
    return {
        "ideas": rng.sample(sample, min(2000, len(sample))),
        "themes": list(Theme.objects.values_list("pk", flat=True)),
        "domains": list(Domain.objects.values_list("pk", flat=True)),
        "entities": list(Entity.objects.filter(kind=Entity.Kind.SUBSIDIARY).values_list("pk", flat=True)),
        "campaigns": list(Campaign.objects.values_list("pk", flat=True)),
        "search": SEARCH_WORDS,
        "similar": SIMILAR_TITLES,
        "executive_data": EXECUTIVE_DATA,
    }


def play(client: Client, method: str, path: str, data: dict, *, sql: list | None = None):
    """One request as the client's person (a POST as htmx sends it), in a transaction rolled back
    afterwards: votes and comments leave nothing behind. With ``sql``, the request's statements
    (inside the transaction, without its BEGIN and ROLLBACK) are appended to it. A 4xx or 5xx
    answer stops the bench."""
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        if method == "post":
            response = client.post(path, data, HTTP_HX_REQUEST="true")
        else:
            response = client.get(path)
        transaction.set_rollback(True)
    if sql is not None:
        sql.extend(query["sql"] for query in queries.captured_queries)
    if response.status_code >= 400:
        raise SystemExit(f"{method.upper()} {path} answered {response.status_code}")
    return response


def capture(people: dict, targets: dict) -> dict:
    """The SQL each page runs (one request as a representative user), with parameters bound."""
    employee, idea = people["employees"][0], targets["ideas"][0]
    vote_idea = employee["vote_ideas"][0]
    pages = {
        "home": ("get", "/", employee, {}),
        "list": ("get", "/ideas/", employee, {}),
        "list_filtered": ("get", f"/ideas/?theme={targets['themes'][0]}&sort=newest", employee, {}),
        "list_page2": ("get", "/ideas/?sort=supported&page=2", employee, {}),
        "detail": ("get", f"/ideas/{idea}/", employee, {}),
        "search": ("get", f"/ideas/?q={targets['search'][0]}", employee, {}),
        "similar": ("get", "/ideas/similar/?title=" + targets["similar"][0].replace(" ", "+"), employee, {}),
        "vote": ("post", f"/ideas/{vote_idea}/vote/", employee, {}),
        "comment": ("post", f"/ideas/{idea}/comments/", employee, {"body": "Bench comment: +1"}),
        "leaderboard": ("get", "/points/leaderboard/", employee, {}),
        "queue": ("get", "/moderation/queue/", people["correspondents"][0], {}),
        "executive": ("get", "/analytics/executive/", people["executives"][0], {}),
    }
    for item in targets["executive_data"]:
        name = "exec_data_" + item.split(".")[0].replace("-", "_")
        pages[name] = ("get", f"/analytics/data/{item}", people["executives"][0], {})
    result = {}
    for name, (method, path, who, data) in pages.items():
        client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=False)
        client.cookies["sessionid"] = who["session"]
        play(client, method, path, data)  # warms per-process caches (templates, translations, types)
        sql = []
        response = play(client, method, path, data, sql=sql)
        result[name] = {"method": method, "path": path, "status": response.status_code, "sql": sql}
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--employees", type=int, default=60)
    parser.add_argument("--hot-voters", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    people = pick_people(rng, args.employees, args.hot_voters)
    targets = pick_targets(rng)
    pages = capture(people, targets)
    Path(args.out).write_text(json.dumps({**people, "targets": targets, "pages": pages}, ensure_ascii=False))


if __name__ == "__main__":
    main()
