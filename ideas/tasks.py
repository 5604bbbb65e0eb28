from celery import shared_task


@shared_task(acks_late=True)
def trending_recompute() -> int:
    from ideas.trending import trending_recompute as run

    return run()
