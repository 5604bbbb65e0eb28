"""The interaction graph and influence by PageRank on a sparse matrix (scipy).

Edges go from the actor to the author whose work they take up: a vote (weight 1) and a comment
(weight 2) on an idea, a reply to a comment's author (1), and an idea built upon another (3, strong
uptake, from imported history). Size is not importance: one idea that moves many people from many
entities makes an influencer."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np
from scipy import sparse

from accounts.models import User
from ideas.models import Comment, IdeaLink, Vote

WEIGHTS = {"vote": 1.0, "comment": 2.0, "reply": 1.0, "built_upon": 3.0}


def interaction_edges(*, start: datetime, end: datetime) -> list[tuple[int, int, float]]:
    edges: list[tuple[int, int, float]] = []
    for actor, author in Vote.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
        "voter_id", "idea__author_id"
    ):
        edges.append((actor, author, WEIGHTS["vote"]))
    comments = Comment.objects.filter(created_at__gte=start, created_at__lt=end, deleted_at__isnull=True)
    for actor, author in comments.values_list("author_id", "idea__author_id"):
        edges.append((actor, author, WEIGHTS["comment"]))
    for actor, author in comments.filter(parent__isnull=False).values_list("author_id", "parent__author_id"):
        edges.append((actor, author, WEIGHTS["reply"]))
    links = IdeaLink.objects.filter(kind=IdeaLink.Kind.BUILT_UPON, created_at__gte=start, created_at__lt=end)
    for builder, source_author in links.values_list("target__author_id", "source__author_id"):
        edges.append((builder, source_author, WEIGHTS["built_upon"]))
    return [(a, b, w) for a, b, w in edges if a != b]


def pagerank(
    edges: list[tuple[int, int, float]], damping: float = 0.85, tol: float = 1e-10, max_iter: int = 200
) -> dict[int, float]:
    """Weighted PageRank by power iteration on a sparse column-stochastic matrix."""
    if not edges:
        return {}
    nodes = sorted({a for a, _b, _w in edges} | {b for _a, b, _w in edges})
    index = {node: i for i, node in enumerate(nodes)}
    n = len(nodes)
    rows = np.fromiter((index[b] for _a, b, _w in edges), dtype=np.int64, count=len(edges))
    cols = np.fromiter((index[a] for a, _b, _w in edges), dtype=np.int64, count=len(edges))
    weights = np.fromiter((w for _a, _b, w in edges), dtype=np.float64, count=len(edges))
    matrix = sparse.csc_matrix((weights, (rows, cols)), shape=(n, n))  # duplicates are summed
    out = np.asarray(matrix.sum(axis=0)).ravel()
    dangling = out == 0
    out[dangling] = 1.0
    matrix = matrix @ sparse.diags(1.0 / out)
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = damping * (matrix @ rank + rank[dangling].sum() / n) + (1 - damping) / n
        if np.abs(new - rank).sum() < tol:
            rank = new
            break
        rank = new
    return {node: float(rank[i]) for node, i in index.items()}


def influence_scores(
    *, start: datetime, end: datetime
) -> tuple[dict[int, float], dict[int, int], dict[int, int]]:
    """(PageRank, distinct colleagues reached, distinct entities reached) per author."""
    edges = interaction_edges(start=start, end=end)
    rank = pagerank(edges)
    reached: dict[int, set[int]] = defaultdict(set)
    for actor, author, _w in edges:
        reached[author].add(actor)
    # Everyone's entity in one pass (an IN list of every actor would be as long as the staff).
    entity_of = dict(User.objects.values_list("pk", "entity_id"))
    reach = {author: len(actors) for author, actors in reached.items()}
    entities = {
        author: len({entity_of.get(a) for a in actors} - {None}) for author, actors in reached.items()
    }
    return rank, reach, entities
