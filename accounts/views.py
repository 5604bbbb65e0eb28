import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.email import frequency, preferences_for, read_unsubscribe_token
from accounts.email import unsubscribe as email_unsubscribe
from accounts.forms import ProfileForm
from accounts.models import Notification, NotificationPreference, User
from accounts.notifications import unread_forget
from config.params import local_url


@login_required
def me(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        # A new preferred language applies from this answer on (its message too), not the next page.
        translation.activate(request.user.language)
        request.LANGUAGE_CODE = request.user.language
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:me")
    from analytics.snapshots import person_segments

    return render(
        request,
        "accounts/me.html",
        {"form": form, "person": request.user, "snapshot": person_segments(user=request.user)},
    )


@login_required
def notifications(request):
    page = Paginator(
        Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id"), 30
    ).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read_all(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    unread_forget(request.user.pk)
    return redirect("accounts:notifications")


@login_required
@require_POST
def notification_read(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
        unread_forget(request.user.pk)
    return redirect(local_url(request, notification.url) or "accounts:notifications")


@login_required
def person(request, pk):
    person = get_object_or_404(User.objects.select_related("entity"), pk=pk, is_active=True)
    context = {"person": person}
    try:
        from ideas.selectors import person_public_ideas
    except ImportError:
        pass
    else:
        context["ideas"] = person_public_ideas(person=person, viewer=request.user)
    return render(request, "accounts/person.html", context)


@csrf_exempt  # mail clients POST the one-click unsubscribe (RFC 8058) without a session or token
def unsubscribe(request, token):
    """One-click unsubscribe: the signed token names the person and the category; no login."""
    decoded = read_unsubscribe_token(token)
    if decoded is None:
        return render(request, "accounts/unsubscribe.html", {"invalid": True}, status=400)
    user_id, kind = decoded
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        return render(request, "accounts/unsubscribe.html", {"invalid": True}, status=400)
    label = (
        _("all e-mails")
        if kind == "all"
        else Notification.Kind(kind).label
        if kind in Notification.Kind.values
        else kind
    )
    if request.method == "POST":
        changed = email_unsubscribe(user_id=user_id, kind=kind)
        return render(
            request, "accounts/unsubscribe.html", {"done": True, "changed": changed, "label": label}
        )
    return render(request, "accounts/unsubscribe.html", {"label": label, "person": person})


@login_required
def notification_settings(request):
    kinds = [(kind, label) for kind, label in Notification.Kind.choices if kind != "welcome"]
    prefs = preferences_for([request.user.pk])
    if request.method == "POST":
        for kind, _label in kinds:
            value = request.POST.get(kind)
            if value in NotificationPreference.Frequency.values:
                NotificationPreference.objects.update_or_create(
                    user=request.user, kind=kind, defaults={"email": value}
                )
        messages.success(request, _("Your e-mail preferences are saved."))
        return redirect("accounts:notification_settings")
    rows = [
        {"kind": kind, "label": label, "value": frequency(prefs, request.user.pk, kind)}
        for kind, label in kinds
    ]
    return render(
        request,
        "accounts/notification_settings.html",
        {"rows": rows, "choices": NotificationPreference.Frequency.choices},
    )


@login_required
@require_POST
def personal_data_download(request):
    """One click on the profile page: everything held about me, as a JSON file (audited)."""
    from accounts.privacy import personal_data_export

    data = personal_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="ideabox-my-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def personal_data_erase(request):
    """Erasing my account, after a confirmation: I type my e-mail address."""
    from accounts.privacy import personal_data_erase as erase

    error = None
    if request.method == "POST":
        typed = request.POST.get("confirm_email", "").strip().lower()
        if typed and typed == request.user.email.lower():
            user = request.user
            logout(request)
            erase(user=user, actor=user)
            messages.success(
                request, _("Your personal data is erased. Your ideas stay, as a former employee's.")
            )
            return redirect("frontend:home")
        error = _("Type your e-mail address exactly to confirm.")
    return render(request, "accounts/erase.html", {"error": error}, status=400 if error else 200)
