"""Community managers' messages to a segment, through the one notification path (in-app, live,
e-mail with unsubscribe)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.notifications import notify
from analytics.models import SegmentMessage
from analytics.segments import SEGMENTS
from analytics.snapshots import latest_month, members
from config.tasks import delay_or_run


@transaction.atomic
def segment_message_send(*, sender, segment: str, subject: str, body: str) -> SegmentMessage:
    if not sender.is_community_manager:
        raise PermissionDenied(_("Only community managers write to a segment."))
    if segment not in SEGMENTS:
        raise ValidationError({"segment": _("Unknown segment.")})
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or not body:
        raise ValidationError({"body": _("Write a subject and a message.")})
    month = latest_month()
    if month is None:
        raise ValidationError({"segment": _("Segments are not computed yet: run the analytics first.")})
    message = SegmentMessage.objects.create(
        sender=sender, segment=segment, month=month, subject=subject[:200], body=body[:5000]
    )
    transaction.on_commit(lambda: delay_or_run(_task(), message.pk))
    return message


def _task():
    from analytics.tasks import send_segment_message

    return send_segment_message


def deliver_segment_message(*, message_id: int) -> int:
    message = SegmentMessage.objects.get(pk=message_id)
    recipients = list(members(segment=message.segment, month=message.month).values_list("user_id", flat=True))
    text = f"{message.subject}: {message.body}"
    with transaction.atomic():
        reached = notify(
            recipient_ids=recipients,
            kind="segment_message",
            event_key=f"segment-message:{message.pk}",
            text=lambda: text,
            url="/",
        )
        SegmentMessage.objects.filter(pk=message.pk).update(reached=len(recipients))
    return reached
