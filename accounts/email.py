"""E-mail delivery of notifications: at once or as daily/weekly digests, per category and person,
through an outbox written in the same transaction as the event (DESIGN.md section 7).

Every e-mail carries a signed one-click unsubscribe link (no login) and the List-Unsubscribe and
List-Unsubscribe-Post headers."""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import EmailOutbox, Notification, NotificationPreference, User

logger = logging.getLogger(__name__)
Frequency = NotificationPreference.Frequency
UNSUBSCRIBE_SALT = "ideabox.unsubscribe"

# What people get by e-mail unless they choose otherwise.
DEFAULT_FREQUENCY = {
    "assignment": Frequency.IMMEDIATE,
    "sla_reminder": Frequency.IMMEDIATE,
    "mention": Frequency.IMMEDIATE,
    "state_change": Frequency.IMMEDIATE,
    "segment_message": Frequency.IMMEDIATE,
    "comment": Frequency.DAILY,
    "reply": Frequency.DAILY,
    "vote_milestone": Frequency.WEEKLY,
    "badge": Frequency.WEEKLY,
    "welcome": Frequency.NEVER,
}


def preferences_for(user_ids) -> dict[tuple[int, str], str]:
    return {
        (user_id, kind): email
        for user_id, kind, email in NotificationPreference.objects.filter(
            user_id__in=list(user_ids)
        ).values_list("user_id", "kind", "email")
    }


def frequency(prefs: dict, user_id: int, kind: str) -> str:
    return prefs.get((user_id, kind), DEFAULT_FREQUENCY.get(kind, Frequency.DAILY))


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return settings.SITE_URL + reverse(
        "accounts:unsubscribe", kwargs={"token": unsubscribe_token(user_id=user_id, kind=kind)}
    )


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=timedelta(days=365))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        return None
    return data["u"], data["k"]


@transaction.atomic
def unsubscribe(*, user_id: int, kind: str) -> bool:
    """Stops e-mails of ``kind`` ("all" for every kind). Returns False if nothing changed."""
    kinds = list(DEFAULT_FREQUENCY) if kind == "all" else [kind]
    changed = False
    for one in kinds:
        preference, created = NotificationPreference.objects.get_or_create(
            user_id=user_id, kind=one, defaults={"email": Frequency.NEVER}
        )
        if created or preference.email != Frequency.NEVER:
            changed = True
            NotificationPreference.objects.filter(pk=preference.pk).update(email=Frequency.NEVER)
    return changed


def _render(template: str, context: dict, language: str) -> tuple[str, str, str]:
    with translation.override(language):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    return " ".join(subject.split())[:300], text, html


def queue_immediate(notifications: list[Notification]) -> list[int]:
    """Writes outbox rows for the notifications whose recipients want them at once.
    Called inside the event's transaction; returns the outbox ids to send after commit."""
    if not notifications:
        return []
    recipients = {n.recipient_id for n in notifications}
    prefs = preferences_for(recipients)
    immediate = [n for n in notifications if frequency(prefs, n.recipient_id, n.kind) == Frequency.IMMEDIATE]
    # Only the people to write to now (a nightly badge run notifies 200,000 people by digest).
    people = User.objects.in_bulk(list({n.recipient_id for n in immediate})) if immediate else {}
    outbox_ids = []
    for notification in immediate:
        person = people.get(notification.recipient_id)
        if person is None or not person.is_active or not person.is_claimed:
            continue
        link = unsubscribe_url(user_id=person.pk, kind=notification.kind)
        context = {
            "user": person,
            "notification": notification,
            "site_url": settings.SITE_URL,
            "unsubscribe_url": link,
            "kind_label": Notification.Kind(notification.kind).label,
        }
        subject, text, html = _render("notification", context, person.language)
        try:
            with transaction.atomic():
                row = EmailOutbox.objects.create(
                    recipient=person,
                    idempotency_key=f"n:{notification.recipient_id}:{notification.event_key}"[:200],
                    kind=notification.kind,
                    subject=subject,
                    body_text=text,
                    body_html=html,
                    unsubscribe_url=link,
                )
        except IntegrityError:
            continue
        outbox_ids.append(row.pk)
    return outbox_ids


def enqueue(outbox_ids: list[int]) -> None:
    """After commit: hand each e-mail to Celery. A broker that is down only delays them: the beat
    job drains the outbox."""
    if not outbox_ids:
        return

    def send():
        from accounts.tasks import send_outbox_email

        for outbox_id in outbox_ids:
            try:
                send_outbox_email.apply_async(args=[outbox_id], retry=False)
            except Exception as exc:  # broker down: the outbox keeps the e-mail for the drain job
                logger.warning("e-mail %s queued in the outbox only: %s", outbox_id, exc.__class__.__name__)
                return

    transaction.on_commit(send)


def deliver(outbox_id: int) -> bool:
    """Sends one outbox e-mail exactly once: under a row lock, skipped if already sent. A worker
    killed while sending leaves the row pending, and it is sent again later (the Message-ID derived
    from the idempotency key lets mail servers drop a duplicate of the last instant)."""
    with transaction.atomic():
        row = (
            EmailOutbox.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=outbox_id, status=EmailOutbox.Status.PENDING)
            .first()
        )
        if row is None:
            return False
        message = EmailMultiAlternatives(
            subject=row.subject,
            body=row.body_text,
            to=[row.recipient.email],
            headers={
                "List-Unsubscribe": f"<{row.unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Message-ID": f"<{signing.Signer(salt='message-id').sign(row.idempotency_key).split(':')[-1]}"
                f".{row.pk}@ideabox>",
            },
        )
        message.attach_alternative(row.body_html, "text/html")
        row.attempts += 1
        try:
            message.send()
        except OSError as exc:
            EmailOutbox.objects.filter(pk=row.pk).update(attempts=row.attempts, last_error=str(exc)[:300])
            raise
        EmailOutbox.objects.filter(pk=row.pk).update(
            status=EmailOutbox.Status.SENT, sent_at=timezone.now(), attempts=row.attempts
        )
    return True


def drain(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Sends what is still pending (broker was down, worker died). Returns how many were sent."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    sent = 0
    for outbox_id in (
        EmailOutbox.objects.filter(status=EmailOutbox.Status.PENDING, created_at__lte=cutoff, attempts__lt=10)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    ):
        try:
            sent += int(deliver(outbox_id))
        except OSError:
            logger.warning("outbox e-mail %s failed again", outbox_id)
    return sent


def send_digests(*, frequency_name: str, now=None) -> int:
    """One e-mail per person with their notifications not yet e-mailed, of the categories they take
    as a ``frequency_name`` digest, grouped by idea, newest first."""
    now = now or timezone.now()
    pending = list(
        Notification.objects.filter(emailed_at__isnull=True, recipient__is_active=True)
        .select_related("recipient")
        .order_by("recipient_id", "-created_at", "-id")
    )
    prefs = preferences_for({n.recipient_id for n in pending})
    by_person: dict[int, list[Notification]] = OrderedDict()
    for notification in pending:
        if frequency(prefs, notification.recipient_id, notification.kind) == frequency_name:
            by_person.setdefault(notification.recipient_id, []).append(notification)
    sent = 0
    for person_id, items in by_person.items():
        person = items[0].recipient
        groups: dict = OrderedDict()
        for item in items:
            groups.setdefault(item.idea_id, []).append(item)
        link = unsubscribe_url(user_id=person_id, kind="all")
        context = {
            "user": person,
            "groups": list(groups.values()),
            "count": len(items),
            "site_url": settings.SITE_URL,
            "unsubscribe_url": link,
            "frequency": frequency_name,
        }
        subject, text, html = _render("digest", context, person.language)
        key = f"digest:{frequency_name}:{person_id}:{timezone.localdate(now).isoformat()}"
        with transaction.atomic():
            row, created = EmailOutbox.objects.get_or_create(
                idempotency_key=key,
                defaults={
                    "recipient": person,
                    "kind": "digest",
                    "subject": subject,
                    "body_text": text,
                    "body_html": html,
                    "unsubscribe_url": link,
                },
            )
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
        if created:
            enqueue([row.pk])
            sent += 1
    return sent
