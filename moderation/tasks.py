from celery import shared_task
from django.core.exceptions import ValidationError

from ideas.models import Idea, IdeaState


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=10)
def shortlist_by_votes(self, idea_id: int) -> bool:
    """Shortlists a published idea that reached its domain's vote threshold (idempotent)."""
    from moderation.workflow import transition

    idea = Idea.objects.select_related("domain").filter(pk=idea_id, state=IdeaState.PUBLISHED).first()
    if idea is None or not idea.domain_id or not idea.domain.shortlist_vote_threshold:
        return False
    if idea.vote_count < idea.domain.shortlist_vote_threshold:
        return False
    try:
        transition(idea=idea, actor=None, to_state=IdeaState.SHORTLISTED, reason="vote threshold")
    except ValidationError:
        return False
    return True


@shared_task(acks_late=True)
def sla_checks() -> dict:
    from moderation.sla import run_sla_checks

    return run_sla_checks()


@shared_task(acks_late=True)
def archive_inactive() -> int:
    """Archives published ideas without activity for ARCHIVE_AFTER_DAYS (12 months by default)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from moderation.workflow import transition

    cutoff = timezone.now() - timedelta(days=settings.ARCHIVE_AFTER_DAYS)
    count = 0
    for idea in Idea.objects.filter(state=IdeaState.PUBLISHED, last_activity_at__lt=cutoff)[:1000]:
        try:
            transition(idea=idea, actor=None, to_state=IdeaState.ARCHIVED, reason="no activity")
            count += 1
        except ValidationError:
            continue
    return count
