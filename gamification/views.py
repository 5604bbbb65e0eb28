from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.models import Entity
from config.params import as_id
from gamification import selectors
from gamification.models import PointRule
from gamification.services import LEVELS

FAMILY_FIGURE = {"prolific-author": "ideas", "commentator": "comments", "supporter": "votes"}


@login_required
@require_GET
def leaderboard(request):
    period = request.GET.get("period", "month")
    if period not in selectors.PERIODS:
        period = "month"
    entity = None
    if as_id(request.GET.get("entity")):
        entity = get_object_or_404(Entity, pk=as_id(request.GET["entity"]))
    return render(
        request,
        "gamification/leaderboard.html",
        {
            "rows": selectors.leaderboard(period=period, entity=entity),
            "period": period,
            "entity": entity,
            "entities": Entity.objects.filter(kind__in=[Entity.Kind.GROUP, Entity.Kind.SUBSIDIARY]).order_by(
                "path"
            ),
        },
    )


def _shown(rules):
    rules = list(rules)
    for rule in rules:
        rule.label, rule.description = selectors.rule_texts(rule)
    return rules


@login_required
@require_GET
def my_points(request):
    page = Paginator(selectors.user_history(user=request.user), 30).get_page(request.GET.get("page"))
    rules = {rule.code: rule for rule in _shown(PointRule.objects.all())}
    for entry in page:
        entry.rule_obj = rules.get(entry.rule)
    return render(
        request, "gamification/points.html", {"page": page, **selectors.user_points(user=request.user)}
    )


@login_required
@require_GET
def badges(request):
    mine = selectors.user_badges(user=request.user)
    figures = selectors.badge_progress(user=request.user)
    within_reach = []
    for badge in mine:
        figure = FAMILY_FIGURE.get(badge["family"])
        if badge["awarded_at"] is None and figure and badge["level"]:
            badge["have"] = figures[figure]
            badge["missing"] = badge["level"] - figures[figure]
            if not any(b["family"] == badge["family"] for b in within_reach):
                within_reach.append(badge)
    return render(
        request,
        "gamification/badges.html",
        {
            "badges": mine,
            "earned": [b for b in mine if b["awarded_at"]],
            "within_reach": within_reach,
            "rules": _shown(PointRule.objects.filter(is_active=True).order_by("-points")),
            "levels": LEVELS,
        },
    )
