"""Idea pages. Thin: parse with a form, call one service, render (a partial for htmx)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.params import as_id
from config.ratelimit import RateLimited, rate_limit_hit
from ideas import selectors, services
from ideas.attachments import attachment_create
from ideas.forms import CommentForm, IdeaFilterForm, IdeaForm
from ideas.fragments import filters_html
from ideas.models import Attachment, Campaign, Comment, IdeaState

S = IdeaState
PAGE_SIZE = 20


def _errors_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(" ".join(messages_) for messages_ in error.message_dict.values())
    return " ".join(error.messages)


@login_required
@require_GET
def idea_list(request):
    form = IdeaFilterForm(request.GET or None)
    filters = form.filters()
    if filters.shape() is not None:
        ideas = selectors.CompiledList(user=request.user, filters=filters, per_page=PAGE_SIZE)
    else:
        ideas = selectors.card_columns(selectors.idea_list(user=request.user, filters=filters))
        if filters.q:  # a search sorts all its matches: the page's ids first (see IdsFirst)
            ideas = selectors.search_page_source(ideas, user=request.user)
    paginator = Paginator(ideas, PAGE_SIZE)
    paginator.count = selectors.idea_list_count(user=request.user, filters=filters)  # see its docstring
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "querystring": query.urlencode(), "filters": filters}
    if request.htmx and request.htmx.target == "idea-results":
        return render(request, "ideas/_results.html", context)
    return render(request, "ideas/list.html", {**context, "filters_html": filters_html(form)})


@login_required
@require_GET
def my_ideas(request):
    ideas = selectors.card_columns(
        selectors.for_cards(
            selectors.ideas_visible_to(user=request.user).filter(author=request.user), user=request.user
        )
    ).order_by("-updated_at")
    page = Paginator(ideas, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ideas/mine.html", {"page": page})


@login_required
@require_GET
def idea_detail(request, pk):
    idea = selectors.idea_get_for_user(user=request.user, idea_id=pk, viewer_flags=True)
    if (
        idea.state == S.MERGED
        and idea.merged_into_id
        and not selectors.is_author(user=request.user, idea=idea)
    ):
        messages.info(request, _("This idea was merged into another one; here it is."))
        return redirect(idea.merged_into)
    from moderation.selectors import idea_moderation_context

    context = {
        "idea": idea,
        "author_label": selectors.author_label(user=request.user, idea=idea),
        "show_identity": selectors.can_see_identity(user=request.user, idea=idea),
        "comments": selectors.comments_for(idea=idea, user=request.user),
        "comment_form": CommentForm(),
        "is_author": selectors.is_author(user=request.user, idea=idea),
        "can_edit": selectors.can_edit(user=request.user, idea=idea),
        "voted": idea.voted,
        "followed": idea.followed,
        "attachments": list(idea.attachments.all()) if idea.has_attachments else [],
        "tags": list(idea.tags.all()) if idea.has_tags else [],
        "is_open": idea.state in (S.PUBLISHED, S.SHORTLISTED, S.IN_ANALYSIS, S.PROJECT, S.PILOT, S.DEPLOYED)
        and not idea.is_hidden,
        **idea_moderation_context(idea=idea, user=request.user),
    }
    from analytics.services import record_idea_view

    record_idea_view(user=request.user, idea_id=idea.pk)
    return render(request, "ideas/detail.html", context)


def _attachments_from(request, form) -> list[Attachment]:
    uploads = request.FILES.getlist("attachments")
    stored = []
    for upload in uploads[:5]:
        try:
            stored.append(attachment_create(uploaded_file=upload, user=request.user))
        except ValidationError as error:
            form.add_error("attachments", error)
    return stored


@login_required
def idea_edit(request, pk=None):
    """Submit form: create or edit a draft; "Save draft" keeps it, "Submit" sends it to moderation."""
    idea = selectors.idea_get_for_user(user=request.user, idea_id=pk, for_write=True) if pk else None
    initial = {}
    if idea is not None:
        initial = {
            "title": idea.title,
            "body": idea.body,
            "theme": idea.theme_id,
            "target_entity": idea.target_entity_id,
            "campaign": idea.campaign_id,
            "estimated_gain": idea.estimated_gain,
            "is_anonymous": idea.is_anonymous,
            "co_authors": ", ".join(idea.co_authors.values_list("email", flat=True)),
            "tags": ", ".join(idea.tags.values_list("name", flat=True)),
        }
    elif request.GET.get("campaign"):
        initial["campaign"] = request.GET.get("campaign")
    form = IdeaForm(request.POST or None, request.FILES or None, author=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if idea is None:
            try:
                rate_limit_hit(action="idea", user=request.user)
            except RateLimited as error:  # keep what the person wrote, say when to try again
                form.add_error(None, error.message)
                return render(request, "ideas/form.html", {"form": form, "idea": idea}, status=429)
        try:
            with transaction.atomic():
                attachments = _attachments_from(request, form)
                if form.errors:
                    raise ValidationError(form.errors["attachments"])
                idea = services.idea_save_draft(
                    author=idea.author if idea else request.user,
                    idea=idea,
                    title=data["title"],
                    body=data["body"],
                    theme=data["theme"],
                    target_entity=data["target_entity"],
                    campaign=data["campaign"],
                    is_anonymous=data["is_anonymous"],
                    estimated_gain=data["estimated_gain"],
                    co_authors=data["co_authors"],
                    tags=services.tags_from_text(data["tags"]),
                    attachments=attachments,
                )
                if "submit" in request.POST:
                    services.idea_submit(idea=idea, actor=request.user)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            elif not form.errors:
                form.add_error(None, error)
        else:
            if "submit" in request.POST:
                messages.success(
                    request, _("Your idea is submitted. An expert of its domain will answer you.")
                )
            else:
                messages.success(request, _("Draft saved. Only you can see it."))
            return redirect(idea)
    if request.method == "POST" and request.FILES and form.errors and "attachments" not in form.errors:
        # The page comes back with the text kept, but a browser never refills a file input: say so,
        # or saving again would create the idea without the file.
        form.add_error("attachments", _("Your file was not kept: choose it again before saving."))
    return render(request, "ideas/form.html", {"form": form, "idea": idea})


@login_required
@require_POST
def idea_submit(request, pk):
    idea = selectors.idea_get_for_user(user=request.user, idea_id=pk, for_write=True)
    try:
        services.idea_submit(idea=idea, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors_text(error) if isinstance(error, ValidationError) else str(error))
    else:
        messages.success(request, _("Your idea is submitted. An expert of its domain will answer you."))
    return redirect(idea)


@login_required
@require_POST
def idea_delete(request, pk):
    idea = selectors.idea_get_for_user(user=request.user, idea_id=pk, for_write=True)
    try:
        services.idea_delete_draft(idea=idea, actor=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect(idea)
    messages.success(request, _("Draft deleted."))
    return redirect("ideas:mine")


@login_required
@require_GET
def similar(request):
    title = request.GET.get("title", "")
    exclude = request.GET.get("exclude")
    ideas = selectors.similar_ideas(user=request.user, title=title, exclude_id=as_id(exclude))
    return render(request, "ideas/_similar.html", {"ideas": ideas, "title": title})


def _vote_response(request, idea, error: str | None = None, status: int = 422, *, voted: bool | None = None):
    """The vote box after the action. ``voted`` is given when the action just settled it: a person
    who could vote or withdraw is not an author, and the counters were re-read by the service."""
    if voted is None:
        idea.refresh_from_db(fields=["vote_count", "historical_support"])
        voted = idea.votes.filter(voter=request.user).exists()
        is_author = selectors.is_author(user=request.user, idea=idea)
    else:
        is_author = False
    context = {"idea": idea, "voted": voted, "vote_error": error, "is_open": True, "is_author": is_author}
    if request.htmx:
        return render(request, "ideas/_vote.html", context, status=200 if not error else status)
    if error:
        messages.error(request, error)
    return redirect(idea)


@login_required
@require_POST
def vote(request, pk):
    idea = selectors.idea_get_for_user(user=request.user, idea_id=pk, only=selectors.VOTE_FIELDS)
    try:
        rate_limit_hit(action="vote", user=request.user)
    except RateLimited as error:
        if request.htmx:
            return _vote_response(request, idea, error.message, status=429)
        raise
    try:
        if request.POST.get("action") == "withdraw":
            services.vote_withdraw(idea=idea, voter=request.user)
            voted = False
        else:
            services.vote_cast(idea=idea, voter=request.user)
            voted = True
    except ValidationError as error:
        return _vote_response(request, idea, _errors_text(error))
    return _vote_response(request, idea, voted=voted)


@login_required
@require_POST
def follow(request, pk):
    idea = selectors.idea_get_for_user(user=request.user, idea_id=pk)
    following = request.POST.get("action") != "unfollow"
    services.follow_set(idea=idea, user=request.user, following=following)
    if request.htmx:
        return render(request, "ideas/_follow.html", {"idea": idea, "followed": following})
    return redirect(idea)


@login_required
@require_POST
def comment_create(request, pk):
    idea = selectors.idea_get_for_user(user=request.user, idea_id=pk)
    form = CommentForm(request.POST)
    comment = None
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = Comment.objects.filter(
                pk=form.cleaned_data["parent"], idea=idea, deleted_at__isnull=True
            ).first()
            if parent is None:
                form.add_error("body", _("The comment you answer no longer exists."))
        if not form.errors:
            try:
                rate_limit_hit(action="comment", user=request.user)
            except RateLimited as error:
                if not request.htmx:
                    raise
                form.add_error("body", error.message)
                return render(
                    request, "ideas/_comment_form.html", {"idea": idea, "comment_form": form}, status=429
                )
            try:
                comment = services.comment_create(
                    idea=idea, author=request.user, body=form.cleaned_data["body"], parent=parent
                )
            except ValidationError as error:
                form.add_error("body", _errors_text(error))
    if request.htmx:
        if comment is None:
            return render(
                request, "ideas/_comment_form.html", {"idea": idea, "comment_form": form}, status=422
            )
        comment.shown, comment.reply_list = True, []
        idea.refresh_from_db(fields=["comment_count"])
        return render(
            request,
            "ideas/_comment_posted.html",
            {
                "idea": idea,
                "comment": comment,
                "comment_form": CommentForm(),
                "is_author": False,
                "idea_open": True,
                # Only then does the page hold the "no comment yet" line (an out-of-band delete
                # without its target logs htmx:oobErrorNoTarget).
                "first_comment": not Comment.objects.filter(idea=idea).exclude(pk=comment.pk).exists(),
            },
        )
    if comment is None:
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return redirect(idea)
    return redirect(f"{idea.get_absolute_url()}#comment-{comment.pk}")


def _comment_for(request, comment_pk) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("idea", "author__entity"), pk=comment_pk)
    selectors.idea_get_for_user(user=request.user, idea_id=comment.idea_id)
    return comment


@login_required
@require_GET
def comment_fragment(request, comment_pk):
    """One rendered comment, for the live update of viewers of the idea page."""
    comment = _comment_for(request, comment_pk)
    comment.shown = not comment.is_hidden or request.user.is_community_manager
    comment.reply_list = []
    is_author = comment.idea.author_id == request.user.pk
    return render(
        request, "ideas/_comment.html", {"comment": comment, "idea": comment.idea, "is_author": is_author}
    )


@login_required
@require_POST
def comment_edit(request, comment_pk):
    """The comment's author edits it; an htmx request gets the comment back (its replies stay
    where they are: only the comment's own part is swapped)."""
    comment = _comment_for(request, comment_pk)
    error = None
    try:
        services.comment_edit(comment=comment, actor=request.user, body=request.POST.get("body", ""))
    except ValidationError as exc:
        error = _errors_text(exc)
    except PermissionDenied as exc:
        if request.htmx:
            raise
        error = str(exc)
    if request.htmx:
        comment.shown = True  # its author sees it, hidden or not
        context = {
            "comment": comment,
            "idea": comment.idea,
            "is_author": selectors.is_author(user=request.user, idea=comment.idea),
            "edit_error": error,
            "edit_body": request.POST.get("body", "") if error else None,
        }
        return render(request, "ideas/_comment_main.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    return redirect(f"{comment.idea.get_absolute_url()}#comment-{comment.pk}")


@login_required
@require_POST
def comment_delete(request, comment_pk):
    comment = _comment_for(request, comment_pk)
    try:
        services.comment_delete(comment=comment, actor=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect(comment.idea)


@login_required
@require_POST
def comment_helpful(request, comment_pk):
    comment = _comment_for(request, comment_pk)
    try:
        services.comment_mark_helpful(
            comment=comment, actor=request.user, helpful=request.POST.get("action") != "unmark"
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors_text(error) if isinstance(error, ValidationError) else str(error))
    return redirect(f"{comment.idea.get_absolute_url()}#comment-{comment.pk}")


@login_required
@require_GET
def attachment(request, token):
    item = get_object_or_404(Attachment, token=token)
    if item.idea_id:
        selectors.idea_get_for_user(user=request.user, idea_id=item.idea_id)
    elif item.uploaded_by_id != request.user.pk:
        raise Http404
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=not item.is_image,
        filename=item.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def campaign_list(request):
    now = timezone.now()
    campaigns = Campaign.objects.select_related("theme", "sponsor").order_by("-starts_at")
    return render(
        request,
        "ideas/campaigns.html",
        {
            "running": [c for c in campaigns if c.starts_at <= now < c.ends_at],
            "past": [c for c in campaigns if c.ends_at <= now][:20],
            "upcoming": [c for c in campaigns if c.starts_at > now],
        },
    )


@login_required
@require_GET
def campaign_detail(request, slug):
    campaign = get_object_or_404(Campaign.objects.select_related("theme", "sponsor", "entity"), slug=slug)
    ideas = selectors.campaign_ideas(campaign=campaign, user=request.user)
    page = Paginator(ideas, PAGE_SIZE).get_page(request.GET.get("page"))
    from ideas.stats import campaign_results

    return render(
        request,
        "ideas/campaign.html",
        {"campaign": campaign, "page": page, "results": campaign_results(campaign=campaign)},
    )


def idea_redirect(request, pk):
    return redirect("ideas:detail", pk=pk)
