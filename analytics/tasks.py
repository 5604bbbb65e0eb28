from celery import shared_task


@shared_task(acks_late=True)
def recompute_analytics() -> dict:
    from analytics.snapshots import recompute

    return recompute(months=2)


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=30)
def send_segment_message(self, message_id: int) -> int:
    from analytics.messaging import deliver_segment_message

    return deliver_segment_message(message_id=message_id)
