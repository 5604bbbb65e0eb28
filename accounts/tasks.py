from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=30)
def send_welcome_email(self, user_id: int) -> bool:
    """Sends the welcome e-mail in the person's language. Returns False if the user is gone."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    with translation.override(user.language):
        context = {"user": user, "site_url": settings.SITE_URL}
        subject = render_to_string("emails/welcome_subject.txt", context).strip()
        body = render_to_string("emails/welcome.txt", context)
        html = render_to_string("emails/welcome.html", context)
    try:
        send_mail(subject, body, None, [user.email], html_message=html)
    except OSError as exc:
        raise self.retry(exc=exc) from exc
    return True


@shared_task(
    bind=True, acks_late=True, max_retries=8, retry_backoff=True, retry_backoff_max=600, retry_jitter=True
)
def send_outbox_email(self, outbox_id: int) -> bool:
    """Sends one outbox e-mail (idempotent: a second run sends nothing)."""
    from accounts.email import deliver

    try:
        return deliver(outbox_id)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task(acks_late=True)
def drain_outbox() -> int:
    from accounts.email import drain

    return drain()


@shared_task(acks_late=True)
def send_digests(frequency_name: str) -> int:
    from accounts.email import send_digests as run

    return run(frequency_name=frequency_name)
