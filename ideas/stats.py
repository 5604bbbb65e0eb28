"""Campaign results, in SQL."""

from django.db.models import Count, Q, Sum

from ideas.models import POTENTIAL_STATES, PUBLIC_STATES, Idea, IdeaState


def campaign_results(*, campaign) -> dict:
    ideas = Idea.objects.filter(campaign=campaign)
    figures = ideas.aggregate(
        total=Count("id", filter=Q(state__in=PUBLIC_STATES)),
        potential=Count("id", filter=Q(state__in=POTENTIAL_STATES)),
        deployed=Count("id", filter=Q(state=IdeaState.DEPLOYED)),
        votes=Sum("vote_count"),
        comments=Sum("comment_count"),
        authors=Count("author", distinct=True, filter=Q(state__in=PUBLIC_STATES)),
    )
    return {key: value or 0 for key, value in figures.items()}
