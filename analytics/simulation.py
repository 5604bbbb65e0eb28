"""The calibrated simulation behind `seed_demo`: a year of activity for an organisation.

At N = 4,573 it reproduces the model deployment (DESIGN.md section 9): 60% of employees logged in,
20% posted, 23% commented, 43% voted; 3,600 ideas; 207 with potential (44 deployed, 7 pilot,
49 project, 107 awaiting analysis). Other sizes scale these figures.

Activity is heavy-tailed and carries planted ground truth that the analytics must recover:
- influencers: few ideas each, supported and discussed by many colleagues from many entities;
- facilitators: many comments on ideas of many other authors, marked helpful by those authors;
- idea developers: comments on others' ideas shortly before those ideas advance in the pipeline.
Ordinary people comment on at most two other authors, never just before an idea advances, and
within an idea's active period (so they revive nothing); nobody else is ever marked helpful.

Everything is written with bulk inserts; `progress` is called with the number of rows written.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.demo import DOMAINS, THEME_WEIGHTS, DemoOrganisation
from accounts.models import Domain, DomainCorrespondent, User
from analytics.models import IdeaView, Visit
from config.bulk import bulk_insert, bulk_load_tables, reserve_ids
from ideas.models import Campaign, Comment, Follow, Idea, IdeaState, Tag, Theme, Vote
from ideas.rendering import render_markdown as _render_markdown
from moderation.models import Assignment, ExpertAssessment, Transition

S = IdeaState
MODEL_HEADCOUNT = 4573
MODEL = {
    "logged_in": 0.60,
    "posted": 0.20,
    "commented": 0.23,
    "voted": 0.43,
    "ideas": 3600,
    "deployed": 44,
    "pilot": 7,
    "project": 49,
    "awaiting": 107,
}
ROWS_PER_IDEA = 44  # rows the simulation writes per idea (votes, visits, views...): the progress total
# The tables the simulation fills (their foreign keys and plain indexes are built once, at the end).
ACTIVITY_MODELS = (Idea, Comment, Vote, Follow, Visit, IdeaView, Transition, Assignment, ExpertAssessment)
IDEA_COLUMNS = (
    "title",
    "body",
    "body_html",
    "theme_id",
    "domain_id",
    "target_entity_id",
    "author_entity_id",
    "campaign_id",
    "author_id",
    "is_anonymous",
    "estimated_gain",
    "realised_gain",
    "state",
    "assignee_id",
    "assigned_at",
    "created_at",
    "updated_at",
    "submitted_at",
    "first_answered_at",
    "published_at",
    "state_changed_at",
    "last_activity_at",
    "decision_reason",
)


@functools.lru_cache(maxsize=4096)
def render_markdown(source: str) -> str:
    """The simulation's texts come from a few templates: render each distinct text once."""
    return _render_markdown(source)


@dataclass
class Targets:
    headcount: int
    logged_in: int
    posters: int
    commenters: int
    voters: int
    ideas: int
    deployed: int
    pilot: int
    project: int
    awaiting: int

    @classmethod
    def for_headcount(cls, n: int) -> Targets:
        f = n / MODEL_HEADCOUNT
        return cls(
            headcount=n,
            logged_in=round(MODEL["logged_in"] * n),
            posters=round(MODEL["posted"] * n),
            commenters=round(MODEL["commented"] * n),
            voters=round(MODEL["voted"] * n),
            ideas=max(round(MODEL["ideas"] * f), 10),
            deployed=round(MODEL["deployed"] * f),
            pilot=round(MODEL["pilot"] * f),
            project=round(MODEL["project"] * f),
            awaiting=round(MODEL["awaiting"] * f),
        )

    @property
    def potential(self) -> int:
        return self.deployed + self.pilot + self.project + self.awaiting


@dataclass
class GroundTruth:
    influencers: set[int] = field(default_factory=set)
    facilitators: set[int] = field(default_factory=set)
    developers: set[int] = field(default_factory=set)
    big_contributors: set[int] = field(default_factory=set)


# --- Text ----------------------------------------------------------------------------------
SUBJECTS_FR = [
    "la facturation",
    "l'accueil client",
    "les réunions",
    "les déplacements",
    "l'énergie des sites",
    "les achats",
    "le recrutement",
    "l'intégration des nouveaux",
    "les impressions",
    "le support IT",
    "la relation client",
    "les stocks",
    "la logistique",
    "la marque employeur",
    "les notes de frais",
]
SUBJECTS_EN = [
    "invoicing",
    "customer onboarding",
    "meetings",
    "business travel",
    "site energy use",
    "purchasing",
    "hiring",
    "onboarding",
    "printing",
    "IT support",
    "customer care",
    "inventory",
    "logistics",
    "employer brand",
    "expense reports",
]
ACTIONS_FR = [
    "Simplifier",
    "Automatiser",
    "Mutualiser",
    "Digitaliser",
    "Réduire le coût de",
    "Mesurer",
    "Repenser",
    "Accélérer",
]
ACTIONS_EN = [
    "Simplify",
    "Automate",
    "Share",
    "Digitise",
    "Cut the cost of",
    "Measure",
    "Rethink",
    "Speed up",
]
COMMENTS_FR = [
    "Très bonne idée, nous avons le même problème dans mon équipe.",
    "Avez-vous chiffré le gain ?",
    "On pourrait commencer par un pilote sur un site.",
    "Attention à l'impact sur les clients.",
    "Je peux vous mettre en contact avec l'équipe qui gère ce sujet.",
    "+1, simple et efficace.",
]
COMMENTS_EN = [
    "Great idea, my team has the same problem.",
    "Did you estimate the gain?",
    "We could start with a pilot on one site.",
    "Mind the impact on customers.",
    "I can put you in touch with the team that owns this.",
    "+1, simple and effective.",
]


def _french_object(action: str, subject: str) -> str:
    """``action subject``, with French's contractions: "de le" is "du", "de les" is "des"."""
    if action.endswith(" de"):
        for article, contracted in (("le ", "du "), ("les ", "des ")):
            if subject.startswith(article):
                return f"{action[:-3]} {contracted}{subject[len(article) :]}"
    return f"{action} {subject}"


def _idea_text(rng: random.Random, index: int) -> tuple[str, str]:
    if rng.random() < 0.75:
        subject, action = rng.choice(SUBJECTS_FR), rng.choice(ACTIONS_FR)
        title = _french_object(action, subject) + f" (#{index})"
        verb = "nous font" if subject.startswith("les ") else "nous fait"
        body = (
            f"**Constat** : aujourd'hui, {subject} {verb} perdre du temps chaque semaine.\n\n"
            f"**Proposition** : {_french_object(action.lower(), subject)} avec un outil partagé "
            "et une règle simple.\n\n"
            f"- gain de temps estimé\n- moins d'erreurs\n- une meilleure expérience pour tous"
        )
    else:
        subject, action = rng.choice(SUBJECTS_EN), rng.choice(ACTIONS_EN)
        title = f"{action} {subject} (#{index})"
        body = (
            f"**Problem**: today {subject} costs us time every week.\n\n"
            f"**Proposal**: {action.lower()} {subject} with a shared tool and one simple rule.\n\n"
            f"- time saved\n- fewer errors\n- a better experience for everyone"
        )
    return title, body


# --- The generator -------------------------------------------------------------------------
class Simulation:
    def __init__(self, *, org: DemoOrganisation, seed: int, now: datetime | None = None, progress=None):
        self.org = org
        self.rng = random.Random(seed * 7919 + 1)
        self.now = now or timezone.now()
        self.start = self.now - timedelta(days=365)
        self.progress = progress or (lambda n: None)
        self.truth = GroundTruth()
        self.users = {row[0]: row for row in User.objects.values_list("pk", "entity_id", "manager_id")}
        self.targets = Targets.for_headcount(len(self.users))

    def _time(self, lo: datetime, hi: datetime) -> datetime:
        if hi <= lo:
            return lo
        return lo + timedelta(seconds=self.rng.uniform(0, (hi - lo).total_seconds()))

    @transaction.atomic
    def run(self) -> GroundTruth:
        self._catalogue()
        self._people()
        # Fresh rows, free of duplicates by construction (keyed by idea and person): the unique
        # constraints too are built once, at the end.
        with bulk_load_tables(ACTIVITY_MODELS, unique=True):
            self._ideas()
            self._votes()
            self._comments()
            self._follows_and_visits()
            self._moderation_records()
            self._write_ideas()
        return self.truth

    # People ---------------------------------------------------------------------------
    def _people(self):
        rng, t = self.rng, self.targets
        named = set(
            User.objects.filter(email__in=list(self.org.logins.values())).values_list("pk", flat=True)
        )
        everyone = sorted(self.users)
        others = [pk for pk in everyone if pk not in named]
        rng.shuffle(others)
        logged = sorted(named) + others
        self.logged_in = logged[: t.logged_in]
        pool = self.logged_in[len(named) :]
        # Planted sizes, relative to the people active in the window (the logged-in).
        n_inf = max(2, round(0.05 * t.logged_in))
        n_fac = max(3, round(0.10 * t.logged_in))
        n_dev = max(2, round(0.03 * t.logged_in))
        self.posters = pool[: t.posters - 2] + [self._pk("employee"), self._pk("colleague")]
        self.truth.influencers = set(self.posters[:n_inf])
        big = self.posters[n_inf : n_inf + max(2, round(0.04 * t.posters))]
        self.truth.big_contributors = set(big)
        # Commenters: the facilitators and developers, some authors, and ordinary people.
        poster_set = set(self.posters)
        non_posters = [pk for pk in pool if pk not in poster_set]
        self.truth.facilitators = set(non_posters[:n_fac])
        self.truth.developers = set(non_posters[n_fac : n_fac + n_dev])
        planted_commenters = list(self.truth.facilitators | self.truth.developers)
        ordinary_needed = t.commenters - len(planted_commenters)
        ordinary_from_posters = [pk for pk in self.posters if pk not in self.truth.influencers][
            : ordinary_needed // 2
        ]
        rest = [pk for pk in non_posters[n_fac + n_dev :]]
        ordinary = ordinary_from_posters + rest[: ordinary_needed - len(ordinary_from_posters)]
        self.ordinary_commenters = ordinary
        self.commenters = planted_commenters + ordinary
        # Voters: most contributors vote, plus people who only vote.
        contributors = list(dict.fromkeys(self.posters + self.commenters))
        voters = contributors[: round(0.7 * len(contributors))]
        contributor_set = set(contributors)
        only_voters = [pk for pk in pool if pk not in contributor_set]
        voters += only_voters[: t.voters - len(voters)]
        if len(voters) < t.voters:  # small organisations: the remaining contributors vote too
            voter_set = set(voters)
            voters += [pk for pk in contributors if pk not in voter_set][: t.voters - len(voters)]
        self.voters = voters[: t.voters]

    def _pk(self, role: str) -> int:
        return User.objects.get(email=self.org.logins[role]).pk

    # Catalogue --------------------------------------------------------------------------
    def _catalogue(self):
        domains = {d.slug: d for d in Domain.objects.all()}
        self.themes = []
        for (_name, slug, theme_name), weight in zip(DOMAINS, THEME_WEIGHTS, strict=True):
            theme, _created = Theme.objects.get_or_create(
                slug=slugify(theme_name), defaults={"name": theme_name, "domain": domains.get(slug)}
            )
            self.themes.append((theme, weight))
        for name in ("lean", "digital", "energy", "customer", "safety", "remote-work"):
            Tag.objects.get_or_create(slug=name, defaults={"name": name})
        executive = self._pk("executive")
        specs = [
            (
                "Energy savings challenge",
                "How could each site cut its energy bill by 10% this winter?",
                -20,
                40,
                0,
            ),
            ("Customer first", "What would make our customers recommend us to a friend?", -60, 30, 3),
            ("Paperless offices", "Which paper process should disappear first?", -300, -200, 1),
            ("Hybrid work 2027", "How should we work together between office and home?", 10, 70, 5),
        ]
        self.campaigns = []
        for title, question, start, end, theme_index in specs:
            campaign, _created = Campaign.objects.get_or_create(
                slug=slugify(title),
                defaults={
                    "title": title,
                    "question": question,
                    "sponsor_id": executive,
                    "theme": self.themes[theme_index][0],
                    "starts_at": self.now + timedelta(days=start),
                    "ends_at": self.now + timedelta(days=end),
                    "description": question,
                    "description_html": render_markdown(question),
                },
            )
            self.campaigns.append(campaign)
        members = DomainCorrespondent.objects.filter(is_backup=False).values_list("domain_id", "user_id")
        self.correspondents: dict[int, list[int]] = {}
        for domain_id, user_id in members:
            self.correspondents.setdefault(domain_id, []).append(user_id)

    # Ideas ------------------------------------------------------------------------------
    def _author_counts(self) -> dict[int, int]:
        rng, t = self.rng, self.targets
        counts = {}
        for pk in self.posters:
            if pk in self.truth.influencers:
                counts[pk] = rng.choice((1, 1, 2))
            elif pk in self.truth.big_contributors:
                counts[pk] = rng.randint(12, 30)
            else:
                counts[pk] = (
                    min(1 + int(rng.paretovariate(2.2)) - 1 + (1 if rng.random() < 0.5 else 0), 8) or 1
                )
        total = sum(counts.values())
        adjustable = [pk for pk in self.posters if pk not in self.truth.influencers]
        i = 0
        while total != t.ideas and adjustable:
            pk = adjustable[i % len(adjustable)]
            if total < t.ideas:
                counts[pk] += 1
                total += 1
            elif counts[pk] > 1:
                counts[pk] -= 1
                total -= 1
            i += 1
            if i > 10 * t.ideas + 10 * len(adjustable):
                break
        return counts

    def _states(self, n_ideas: int) -> list[str]:
        t = self.targets
        states = (
            [S.DEPLOYED] * t.deployed
            + [S.PILOT] * t.pilot
            + [S.PROJECT] * t.project
            + [S.SHORTLISTED] * round(t.awaiting * 0.6)
            + [S.IN_ANALYSIS] * (t.awaiting - round(t.awaiting * 0.6))
        )
        rest = n_ideas - len(states)
        shares = [
            (S.PUBLISHED, 0.70),
            (S.REJECTED, 0.08),
            (S.SUBMITTED, 0.08),
            (S.CHANGES_REQUESTED, 0.03),
            (S.ARCHIVED, 0.08),
            (S.MERGED, 0.03),
        ]
        allotted = 0
        for state, share in shares[1:]:
            k = round(rest * share)
            states += [state] * k
            allotted += k
        states += [S.PUBLISHED] * (rest - allotted)
        return states

    def _ideas(self):
        rng, _t = self.rng, self.targets
        counts = self._author_counts()
        slots = [pk for pk, n in counts.items() for _ in range(n)]
        rng.shuffle(slots)
        states = self._states(len(slots))
        # Influencers' ideas are public and go far: give them the advancing states first.
        influencer_slots = [i for i, pk in enumerate(slots) if pk in self.truth.influencers]
        taken = set(influencer_slots)
        advancing = [
            i
            for i, s in enumerate(states)
            if s in (S.DEPLOYED, S.PILOT, S.PROJECT, S.SHORTLISTED, S.IN_ANALYSIS) and i not in taken
        ]
        plain_public = [i for i, s in enumerate(states) if s == S.PUBLISHED and i not in taken]
        for k, slot in enumerate(influencer_slots):
            source = advancing if k % 3 == 0 and advancing else plain_public
            if not source:
                continue
            j = source.pop()
            states[slot], states[j] = states[j], states[slot]
        theme_list = [th for th, _w in self.themes]
        theme_weights = [w for _th, w in self.themes]
        departments = [d.pk for d in self.org.departments]
        ideas = []
        self.idea_meta = []  # (author, state, published_at, advanced_at, entity, influencer)
        for index, (author, state) in enumerate(zip(slots, states, strict=True), start=1):
            theme = rng.choices(theme_list, theme_weights)[0]
            title, body = _idea_text(rng, index)
            advancing_state = state in (S.DEPLOYED, S.PILOT, S.PROJECT, S.SHORTLISTED, S.IN_ANALYSIS)
            latest = self.now - timedelta(
                days=120 if advancing_state else (400 if state == S.ARCHIVED else 3)
            )
            earliest = self.start if state != S.ARCHIVED else self.start
            created = self._time(earliest, max(earliest, latest))
            if state == S.ARCHIVED:
                created = self.start + timedelta(hours=rng.uniform(0, 48))
            submitted = created + timedelta(hours=rng.uniform(0, 6))
            answered = submitted + timedelta(hours=rng.uniform(4, 24 * 9))
            published = answered if state not in (S.SUBMITTED, S.REJECTED, S.CHANGES_REQUESTED) else None
            advanced = None
            if advancing_state:
                advanced = published + timedelta(days=rng.uniform(25, 60))
            entity = self.users[author][1]
            target = entity if rng.random() < 0.7 else rng.choice(departments)
            campaign = None
            if rng.random() < 0.15:
                running = [c for c in self.campaigns if c.starts_at <= created < c.ends_at]
                campaign = running[0] if running else None
            domain_id = theme.domain_id
            assignee = self._assignee(domain_id, author)
            gain = None
            if advancing_state or rng.random() < 0.2:
                gain = Decimal(rng.choice([5, 10, 20, 40, 80, 150, 300])) * 1000
            last_state_change = {
                S.SUBMITTED: submitted,
                S.ARCHIVED: self.now - timedelta(days=rng.uniform(1, 20)),
            }.get(state, advanced or answered)
            ideas.append(
                (
                    title,
                    body,
                    render_markdown(body),
                    theme.pk,
                    domain_id,
                    target,
                    entity,
                    campaign.pk if campaign else None,
                    author,
                    rng.random() < 0.05,
                    gain,
                    (gain * Decimal("0.8")) if state == S.DEPLOYED and gain else None,
                    state,
                    assignee,
                    submitted,
                    created,
                    created,
                    submitted,
                    answered if state != S.SUBMITTED else None,
                    published,
                    last_state_change,
                    published or submitted,
                    {
                        S.REJECTED: "Already covered by the 2026 plan.",
                        S.CHANGES_REQUESTED: "Please add the expected gain and the sites concerned.",
                    }.get(state, ""),
                )
            )
            self.idea_meta.append(
                {
                    "author": author,
                    "state": state,
                    "published": published,
                    "advanced": advanced,
                    "entity": entity,
                    "influencer": author in self.truth.influencers,
                    "created": created,
                }
            )
        # The ideas are written last, with their counters (_write_ideas): an UPDATE of every idea
        # afterwards rewrote each row, its search document and its 26 indexes (40 s at 200,000
        # employees). Their ids are taken now, in order, as the INSERT would have given them.
        self.idea_rows = ideas
        self.idea_ids = reserve_ids(Idea, len(ideas))
        for meta, pk in zip(self.idea_meta, self.idea_ids, strict=True):
            meta["pk"] = pk
        public = {S.PUBLISHED, S.SHORTLISTED, S.IN_ANALYSIS, S.PROJECT, S.PILOT, S.DEPLOYED}
        self.public_ideas = [m for m in self.idea_meta if m["state"] in public]
        # Merged ideas point to a public idea of the same author-less kind.
        merged = [m for m in self.idea_meta if m["state"] == S.MERGED]
        self.merged_into = {m["pk"]: rng.choice(self.public_ideas)["pk"] for m in merged}

    def _assignee(self, domain_id, author):
        candidates = self.correspondents.get(domain_id, [])
        manager = self.users[author][2]
        grand = self.users.get(manager, (None, None, None))[2] if manager else None
        eligible = [c for c in candidates if c not in (author, manager, grand)]
        return self.rng.choice(eligible) if eligible else None

    # Votes ------------------------------------------------------------------------------
    def _votes(self):
        rng = self.rng
        voters = self.voters
        by_entity: dict[int, list[int]] = {}
        for pk in voters:
            by_entity.setdefault(self.users[pk][1], []).append(pk)
        votes: dict[tuple[int, int], datetime] = {}
        for meta in self.public_ideas:
            if meta["influencer"]:
                n = rng.randint(120, 180)
            else:
                n = min(int(rng.expovariate(1 / 3.0)), 25)
            start = meta["published"]
            end = meta["advanced"] or min(start + timedelta(days=25), self.now)
            chosen = rng.sample(voters, min(n, len(voters)))
            for voter in chosen:
                if voter == meta["author"]:
                    continue
                votes[(meta["pk"], voter)] = self._time(start, end)
        # Every voter votes at least once.
        voted = {voter for (_idea, voter) in votes}
        ordinary_ideas = [m for m in self.public_ideas if not m["influencer"]] or self.public_ideas
        for voter in voters:
            if voter not in voted:
                meta = rng.choice(ordinary_ideas)
                while meta["author"] == voter:
                    meta = rng.choice(ordinary_ideas)
                start = meta["published"]
                votes[(meta["pk"], voter)] = self._time(start, min(start + timedelta(days=25), self.now))
        # Keyed by (idea, voter) on ideas just created: no row can conflict.
        rows = ((i, v, at) for (i, v), at in votes.items())
        bulk_insert(Vote, ("idea_id", "voter_id", "created_at"), rows, progress=self.progress)
        self.votes = votes

    # Comments ---------------------------------------------------------------------------
    def _comment_window(self, meta, *, before_advance=False):
        start = meta["published"]
        if before_advance and meta["advanced"]:
            return meta["advanced"] - timedelta(days=20), meta["advanced"] - timedelta(days=1)
        end = min(start + timedelta(days=20), self.now)
        if meta["advanced"]:
            end = min(end, meta["advanced"] - timedelta(days=25))
            if end <= start:
                end = start + timedelta(hours=1)
        return start, end

    def _comments(self):
        rng = self.rng
        rows: list[dict] = []
        plain = [m for m in self.public_ideas if not m["advanced"]]
        advancing = [m for m in self.public_ideas if m["advanced"]]

        def add(meta, author, *, before_advance=False, helpful=False):
            lo, hi = self._comment_window(meta, before_advance=before_advance)
            text = rng.choice(COMMENTS_FR if rng.random() < 0.75 else COMMENTS_EN)
            rows.append(
                {
                    "idea": meta["pk"],
                    "author": author,
                    "at": self._time(lo, hi),
                    "text": text,
                    "helpful": helpful,
                    "idea_author": meta["author"],
                }
            )

        # Facilitators: many ideas of many other authors; the authors mark some helpful.
        for pk in self.truth.facilitators:
            wanted, authors_seen, k = rng.randint(8, 16), set(), 0
            for meta in rng.sample(plain, min(4 * wanted, len(plain))):
                if meta["author"] == pk or meta["author"] in authors_seen:
                    continue
                authors_seen.add(meta["author"])
                add(meta, pk, helpful=k < rng.randint(1, 4))
                k += 1
                if k >= wanted:
                    break
        # Idea developers: comments shortly before ideas advance (2 to 4 such ideas each).
        for pk in self.truth.developers:
            for meta in rng.sample(advancing, min(rng.randint(2, 4), len(advancing))):
                if meta["author"] != pk:
                    add(meta, pk, before_advance=True)
        # Ordinary commenters: one or two comments, on at most two other authors' ideas.
        public_by_author: dict[int, list[dict]] = {}
        for meta in self.public_ideas:
            public_by_author.setdefault(meta["author"], []).append(meta)
        for pk in self.ordinary_commenters:
            own = public_by_author.get(pk, [])
            if own and rng.random() < 0.5:
                add(rng.choice(own), pk)
            else:
                for meta in rng.sample(plain, min(rng.choice((1, 1, 2)), len(plain))):
                    add(meta, pk)
        # Influencers' ideas draw discussion from many (ordinary) people and answers from the author.
        for meta in self.public_ideas:
            if meta["influencer"] and not meta["advanced"]:
                for pk in rng.sample(self.ordinary_commenters, min(4, len(self.ordinary_commenters))):
                    if pk != meta["author"]:
                        add(meta, pk)
        comments = (
            (
                row["idea"],
                row["author"],
                row["text"],
                render_markdown(row["text"]),
                row["at"],
                row["at"] + timedelta(days=1) if row["helpful"] else None,
            )
            for row in rows
        )
        columns = ("idea_id", "author_id", "body", "body_html", "created_at", "helpful_at")
        bulk_insert(Comment, columns, comments, progress=self.progress)
        # Some replies: authors answer the first comment on their idea (threaded one level).
        first_by_idea = {}
        public_comments = Comment.objects.filter(idea_id__in=[m["pk"] for m in self.public_ideas])
        for comment in public_comments.only("pk", "idea_id", "author_id", "created_at").order_by(
            "created_at"
        ):
            first_by_idea.setdefault(comment.idea_id, comment)
        replies = []
        authors = {m["pk"]: m["author"] for m in self.public_ideas}
        commenter_set = set(self.commenters)
        for idea_id, comment in first_by_idea.items():
            author = authors[idea_id]
            if comment.author_id != author and rng.random() < 0.3 and author in commenter_set:
                text = "Merci ! / Thanks!"
                replies.append(
                    (
                        idea_id,
                        author,
                        comment.pk,
                        text,
                        render_markdown(text),
                        comment.created_at + timedelta(hours=2),
                    )
                )
        columns = ("idea_id", "author_id", "parent_id", "body", "body_html", "created_at")
        bulk_insert(Comment, columns, replies, progress=self.progress)
        written = [(row["idea"], row["at"]) for row in rows] + [(r[0], r[-1]) for r in replies]
        self.comments_per_idea = Counter(idea for idea, _at in written)
        self.latest_comment: dict[int, datetime] = {}
        for idea, at in written:
            if idea not in self.latest_comment or at > self.latest_comment[idea]:
                self.latest_comment[idea] = at

    # Follows and visits -----------------------------------------------------------------
    def _follows_and_visits(self):
        rng = self.rng
        follows = {(m["pk"], m["author"]): m["created"] for m in self.idea_meta}
        for (idea, voter), at in self.votes.items():
            if rng.random() < 0.3:
                follows[(idea, voter)] = at
        for idea, author, at in Comment.objects.values_list("idea_id", "author_id", "created_at"):
            follows[(idea, author)] = at
        # Keyed by (idea, person) on ideas just created: no row can conflict.
        rows = ((i, u, at) for (i, u), at in follows.items())
        bulk_insert(Follow, ("idea_id", "user_id", "created_at"), rows, progress=self.progress)
        self.follows = follows
        tz = timezone.get_current_timezone()  # timezone.localtime() per row looks it up each time
        days: set[tuple[int, object]] = set()
        for (_idea, voter), at in self.votes.items():
            days.add((voter, at.astimezone(tz).date()))
        for author, at in Comment.objects.values_list("author_id", "created_at"):
            days.add((author, at.astimezone(tz).date()))
        for meta in self.idea_meta:
            days.add((meta["author"], meta["created"].astimezone(tz).date()))
        for pk in self.logged_in:
            for _ in range(max(1, int(rng.paretovariate(1.3)))):
                days.add((pk, self._time(self.start, self.now).astimezone(tz).date()))
        bulk_insert(Visit, ("user_id", "day"), days, progress=self.progress)
        views = {(v, i, at.astimezone(tz).date()) for (i, v), at in self.votes.items()}
        bulk_insert(IdeaView, ("user_id", "idea_id", "day"), views, progress=self.progress)

    # Moderation records -----------------------------------------------------------------
    def _moderation_records(self):
        rng = self.rng
        paths = {
            S.SUBMITTED: [],
            S.PUBLISHED: [S.PUBLISHED],
            S.REJECTED: [S.REJECTED],
            S.CHANGES_REQUESTED: [S.CHANGES_REQUESTED],
            S.MERGED: [S.MERGED],
            S.ARCHIVED: [S.PUBLISHED, S.ARCHIVED],
            S.SHORTLISTED: [S.PUBLISHED, S.SHORTLISTED],
            S.IN_ANALYSIS: [S.PUBLISHED, S.SHORTLISTED, S.IN_ANALYSIS],
            S.PROJECT: [S.PUBLISHED, S.SHORTLISTED, S.IN_ANALYSIS, S.PROJECT],
            S.PILOT: [S.PUBLISHED, S.SHORTLISTED, S.IN_ANALYSIS, S.PILOT],
            S.DEPLOYED: [S.PUBLISHED, S.SHORTLISTED, S.IN_ANALYSIS, S.PROJECT, S.PILOT, S.DEPLOYED],
        }
        executives = self.org.executive_ids
        experts = self.org.expert_ids
        # The ideas as they will be written (_write_ideas), by id.
        ideas = {
            pk: SimpleNamespace(pk=pk, **dict(zip(IDEA_COLUMNS, row, strict=True)))
            for pk, row in zip(self.idea_ids, self.idea_rows, strict=True)
        }
        transitions, assignments, assessments = [], [], []
        for meta in self.idea_meta:
            idea = ideas[meta["pk"]]
            at = idea.submitted_at
            previous = S.DRAFT
            steps = [S.SUBMITTED, *paths[idea.state]]
            for k, state in enumerate(steps):
                if state == S.SUBMITTED:
                    at, actor, role = idea.submitted_at, idea.author_id, "author"
                elif k == 1:
                    at, actor, role = idea.first_answered_at or at, idea.assignee_id, "correspondent"
                elif state in (S.SHORTLISTED, S.IN_ANALYSIS):
                    at, actor, role = (
                        (meta["advanced"] or at) - timedelta(days=3 if state == S.SHORTLISTED else 0),
                        idea.assignee_id,
                        "correspondent",
                    )
                elif state == S.ARCHIVED:
                    at, actor, role = idea.state_changed_at, None, "system"
                else:
                    at, actor, role = (
                        (meta["advanced"] or at) + timedelta(days=10 * k),
                        rng.choice(executives),
                        "executive",
                    )
                at = min(at, self.now)
                digest = hashlib.sha256(f"{idea.pk}:{state}:{at.isoformat()}".encode()).hexdigest()
                transitions.append(
                    (
                        idea.pk,
                        actor,
                        role,
                        previous,
                        state,
                        idea.decision_reason if state in (S.REJECTED, S.CHANGES_REQUESTED) else "",
                        at,
                        digest,
                    )
                )
                previous = state
            if idea.assignee_id:
                assignments.append(
                    (
                        idea.pk,
                        idea.assignee_id,
                        idea.submitted_at,
                        None if idea.state == S.SUBMITTED else idea.first_answered_at,
                    )
                )
            if idea.state in (S.IN_ANALYSIS, S.PROJECT, S.PILOT, S.DEPLOYED) and experts:
                for expert in rng.sample(experts, min(2, len(experts))):
                    if expert == idea.author_id:
                        continue
                    done = idea.state != S.IN_ANALYSIS or rng.random() < 0.5
                    assessments.append(
                        (
                            idea.pk,
                            expert,
                            meta["advanced"] or self.now,
                            rng.randint(3, 5) if done else None,
                            rng.randint(2, 5) if done else None,
                            rng.randint(2, 5) if done else None,
                            rng.randint(2, 5) if done else None,
                            "Solid business case." if done else "",
                            (meta["advanced"] or self.now) + timedelta(days=5) if done else None,
                        )
                    )
        columns = ("idea_id", "actor_id", "actor_role", "from_state", "to_state", "reason", "at")
        bulk_insert(Transition, (*columns, "snapshot_hash"), transitions, progress=self.progress)
        columns = ("idea_id", "correspondent_id", "assigned_at", "closed_at")
        bulk_insert(Assignment, columns, assignments, progress=self.progress)
        # Distinct experts per idea just created: no row can conflict.
        columns = ("idea_id", "expert_id", "assigned_at", "value", "cost", "feasibility", "risk", "comment")
        bulk_insert(ExpertAssessment, (*columns, "submitted_at"), assessments, progress=self.progress)

    # The ideas, with their counters ---------------------------------------------------------
    def _write_ideas(self):
        """What recounting in SQL after the inserts gave: votes, comments (none deleted) and
        followers per idea, and the last comment as the last activity when there is one."""
        votes = Counter(idea for idea, _voter in self.votes)
        follows = Counter(idea for idea, _user in self.follows)
        comments = self.comments_per_idea
        latest = self.latest_comment
        last_activity = IDEA_COLUMNS.index("last_activity_at")
        rows = (
            (
                *row[:last_activity],
                latest.get(pk, row[last_activity]),
                *row[last_activity + 1 :],
                votes[pk],
                comments[pk],
                follows[pk],
                self.merged_into.get(pk),
                pk,
            )
            for pk, row in zip(self.idea_ids, self.idea_rows, strict=True)
        )
        counters = ("vote_count", "comment_count", "follower_count", "merged_into_id", "id")
        bulk_insert(Idea, (*IDEA_COLUMNS, *counters), rows, progress=self.progress)


def scale_note(n: int) -> str:
    t = Targets.for_headcount(n)
    return (
        f"{t.headcount} employees: {t.logged_in} logged in, {t.posters} posted, {t.commenters} commented, "
        f"{t.voters} voted; {t.ideas} ideas, {t.potential} with potential"
    )
