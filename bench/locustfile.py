"""Locust users for `make bench` (started by bench/run.py, headless).

Env: BENCH_FIXTURE (the JSON written by bench/prepare.py), BENCH_SAMPLES (where to write every
response time, in ms, per request name), BENCH_WARMUP (seconds ignored at the start).

User classes: FloorUser (/healthz/live only: the framework floor), SignedFloorUser (the same URL
with an employee's session: the cost of identifying the person), and the mix: Employee (home, idea
list with filters, detail, search, similar ideas, vote, comment, leaderboard), Correspondent (the
queue) and Executive (the dashboard and its data). No wait between tasks: closed loop, N users.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import defaultdict
from http.cookiejar import Cookie

from locust import events, task
from locust.contrib.fasthttp import FastHttpUser

FIXTURE = json.loads(open(os.environ["BENCH_FIXTURE"], encoding="utf-8").read())  # noqa: SIM115
TARGETS = FIXTURE["targets"]
WARMUP = float(os.environ.get("BENCH_WARMUP", "3"))
SAMPLES: dict[str, list[float]] = defaultdict(list)
ERRORS: dict[str, int] = defaultdict(int)
WINDOW = {"start": None, "end": None}
# BENCH_CONNECTION_CLOSE=1: a new connection per request, so that each request goes to whichever
# gunicorn worker accepts it (a kept-alive connection stays with one worker for the whole run).
NEW_CONNECTION = {"Connection": "close"} if os.environ.get("BENCH_CONNECTION_CLOSE") == "1" else {}
_people = {kind: itertools.cycle(FIXTURE[kind]) for kind in ("employees", "correspondents", "executives")}


@events.test_start.add_listener
def _started(**_kw):
    WINDOW["start"] = time.time() + WARMUP


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_kw):
    if WINDOW["start"] is None or time.time() < WINDOW["start"]:
        return
    if exception is not None:
        ERRORS[name] += 1
    else:
        SAMPLES[name].append(response_time)


@events.quitting.add_listener
def _dump(**_kw):
    WINDOW["end"] = time.time()
    path = os.environ.get("BENCH_SAMPLES")
    if path:
        with open(f"{path}.{os.getpid()}", "w", encoding="utf-8") as out:
            json.dump({"window": WINDOW, "samples": SAMPLES, "errors": ERRORS}, out)


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, True, None, None, {}
    )


class _Signed(FastHttpUser):
    abstract = True
    kind = "employees"

    def on_start(self):
        self.me = next(_people[self.kind])
        self.client.cookiejar.set_cookie(_cookie("sessionid", self.me["session"]))
        self.client.cookiejar.set_cookie(_cookie("csrftoken", self.me["csrf"]))
        self.rng = random.Random(self.me["id"])

    def get(self, path: str, name: str):
        with self.client.get(path, name=name, headers=NEW_CONNECTION, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{name}: HTTP {response.status_code}")

    def post(self, path: str, name: str, data: dict, ok=(200,)):
        headers = {
            "X-CSRFToken": self.me["csrf"],
            "HX-Request": "true",
            "Referer": f"{self.host}/",
            **NEW_CONNECTION,
        }
        with self.client.post(path, name=name, data=data, headers=headers, catch_response=True) as response:
            if response.status_code not in ok:
                response.failure(f"{name}: HTTP {response.status_code}")


class FloorUser(FastHttpUser):
    @task
    def live(self):
        self.client.get("/healthz/live", name="floor", headers=NEW_CONNECTION)


class SignedFloorUser(_Signed):
    """`/healthz/live` as a signed-in employee: the session, the user and the day's visit that every
    page of the mix pays before its own work (a reference line of the report, not a target)."""

    @task
    def live(self):
        self.get("/healthz/live", "signed_floor")


class Employee(_Signed):
    weight = 45

    def on_start(self):
        super().on_start()
        self.to_vote = list(self.me["vote_ideas"])
        self.voted: list[int] = []

    def idea(self) -> int:
        return self.rng.choice(TARGETS["ideas"])

    @task(3)
    def home(self):
        self.get("/", "home")

    @task(2)
    def idea_list(self):
        self.get("/ideas/", "list")

    @task(2)
    def idea_list_filtered(self):
        rng = self.rng
        choice = rng.random()
        if choice < 0.4:
            query = f"theme={rng.choice(TARGETS['themes'])}&sort=newest"
        elif choice < 0.7:
            query = f"domain={rng.choice(TARGETS['domains'])}&sort=supported"
        elif choice < 0.9:
            query = f"entity={rng.choice(TARGETS['entities'])}&sort=discussed"
        else:
            query = f"sort=newest&page={rng.randint(2, 20)}"
        self.get(f"/ideas/?{query}", "list_filtered")

    @task(5)
    def detail(self):
        self.get(f"/ideas/{self.idea()}/", "detail")

    @task(1)
    def search(self):
        self.get(f"/ideas/?q={self.rng.choice(TARGETS['search'])}", "search")

    @task(1)
    def similar(self):
        title = self.rng.choice(TARGETS["similar"]).replace(" ", "+")
        self.get(f"/ideas/similar/?title={title}", "similar")

    @task(2)
    def vote(self):
        # Support ideas this person had not supported; once the list is used up, withdraw them.
        if self.to_vote:
            pk, data = self.to_vote.pop(), {}
            self.voted.append(pk)
        elif self.voted:
            pk, data = self.voted.pop(), {"action": "withdraw"}
            self.to_vote.append(pk)
        else:
            return
        self.post(f"/ideas/{pk}/vote/", "vote", data)

    @task(1)
    def comment(self):
        self.post(f"/ideas/{self.idea()}/comments/", "comment", {"body": "Bench: same here, +1."})

    @task(1)
    def leaderboard(self):
        self.get("/points/leaderboard/", "leaderboard")


class Correspondent(_Signed):
    kind = "correspondents"
    fixed_count = 3

    @task
    def queue(self):
        self.get("/moderation/queue/", "queue")


class Executive(_Signed):
    kind = "executives"
    fixed_count = 2

    @task
    def dashboard(self):
        self.get("/analytics/executive/", "executive")
        for item in TARGETS["executive_data"]:
            self.get(f"/analytics/data/{item}", "exec_data_" + item.split(".")[0].replace("-", "_"))
