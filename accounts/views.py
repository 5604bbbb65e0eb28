from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import ProfileForm
from accounts.models import Notification, User


@login_required
def me(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:me")
    return render(request, "accounts/me.html", {"form": form, "person": request.user})


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
    return redirect("accounts:notifications")


@login_required
@require_POST
def notification_read(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("accounts:notifications")


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
