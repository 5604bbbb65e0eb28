from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=15)
def badges_for_users(self, user_ids: list[int]) -> int:
    """Recomputes the badges of the people an event concerned."""
    from gamification.badges import badges_award

    return sum(len(ids) for ids in badges_award(user_ids=user_ids).values())


@shared_task(acks_late=True)
def badges_nightly() -> int:
    """Nightly: `badgify_sync badges` then every recipe for everyone (idempotent)."""
    from gamification.badges import badges_award

    return sum(len(ids) for ids in badges_award().values())
