from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Domain, Entity, User
from ideas.models import Campaign, Theme
from ideas.selectors import SORTS, IdeaFilters
from ideas.services import BODY_MAX, COMMENT_MAX, TITLE_MAX


class IdeaForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX, min_length=5, help_text=_("One sentence: what would change?")
    )
    body = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=BODY_MAX,
        min_length=10,
        help_text=_(
            "The problem, your proposal, who benefits. Markdown allowed; "
            "mention a colleague with @firstname.lastname."
        ),
    )
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.all(),
        error_messages={"invalid_choice": _("Choose a theme from the list.")},
    )
    target_entity = forms.ModelChoiceField(
        label=_("Which part of the company would benefit?"),
        queryset=Entity.objects.all(),
        required=False,
        help_text=_("Empty: your own entity."),
    )
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False)
    estimated_gain = forms.DecimalField(
        label=_("Estimated gain (EUR per year)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    co_authors = forms.CharField(
        label=_("Co-authors"),
        required=False,
        help_text=_("E-mail addresses of colleagues, separated by commas."),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=300, help_text=_("Keywords separated by commas.")
    )
    is_anonymous = forms.BooleanField(
        label=_("Anonymous to colleagues"),
        required=False,
        help_text=_(
            "Colleagues see “an employee of <your entity>”; the expert who handles it sees your name."
        ),
    )
    attachments = forms.FileField(
        label=_("Images or documents"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp"}),
    )

    def __init__(self, *args, author: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.author = author
        # Here, not on the field: formatted in the reader's language, not at import time.
        self.fields["attachments"].help_text = _(
            "Up to %(mb)d MB. JPEG, PNG, GIF, WebP, PDF, office documents."
        ) % {"mb": settings.ATTACHMENT_MAX_BYTES // 1048576}
        now = timezone.now()
        self.fields["campaign"].queryset = Campaign.objects.filter(starts_at__lte=now, ends_at__gt=now)
        self.fields["target_entity"].queryset = Entity.objects.order_by("path")
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"id_{name}_helptext")

    def clean_co_authors(self):
        emails = {e.strip().lower() for e in self.cleaned_data["co_authors"].split(",") if e.strip()}
        if len(emails) > 10:
            raise ValidationError(_("At most 10 co-authors."))
        users = list(User.objects.filter(email__in=emails, is_active=True))
        unknown = emails - {u.email.lower() for u in users}
        if unknown:
            raise ValidationError(_("Unknown colleague(s): %(list)s") % {"list": ", ".join(sorted(unknown))})
        return [u for u in users if u.pk != self.author.pk]

    def add_error(self, field, error):
        super().add_error(field, error)
        if field in self.fields:
            self.fields[field].widget.attrs["aria-invalid"] = "true"


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write something before sending.")},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class IdeaFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    theme = forms.ModelChoiceField(
        label=_("Theme"), queryset=Theme.objects.all(), required=False, empty_label=_("All themes")
    )
    domain = forms.ModelChoiceField(
        label=_("Domain"), queryset=Domain.objects.all(), required=False, empty_label=_("All domains")
    )
    entity = forms.ModelChoiceField(
        label=_("Entity"),
        queryset=Entity.objects.order_by("path"),
        required=False,
        empty_label=_("All entities"),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.all(), required=False, empty_label=_("All campaigns")
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    tag = forms.SlugField(label=_("Tag"), required=False)
    mine = forms.BooleanField(label=_("Mine"), required=False)
    followed = forms.BooleanField(label=_("Followed"), required=False)
    voted = forms.BooleanField(label=_("Voted by me"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("trending", _("Trending")),
            ("newest", _("Newest")),
            ("supported", _("Most supported")),
            ("discussed", _("Most discussed")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from ideas.models import IdeaState

        self.fields["state"].choices = [("", _("All states")), *IdeaState.choices]

    def filters(self) -> IdeaFilters:
        data = self.cleaned_data if self.is_valid() else {}

        def pk(name):
            value = data.get(name)
            return value.pk if value else None

        sort = data.get("sort") or "trending"
        return IdeaFilters(
            q=data.get("q", ""),
            theme=pk("theme"),
            domain=pk("domain"),
            entity=pk("entity"),
            entity_path=data["entity"].path if data.get("entity") else None,
            campaign=pk("campaign"),
            state=data.get("state", ""),
            tag=data.get("tag", ""),
            mine=bool(data.get("mine")),
            followed=bool(data.get("followed")),
            voted=bool(data.get("voted")),
            sort=sort if sort in SORTS else "trending",
        )
