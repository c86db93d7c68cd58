import uuid

from django import forms
from django.urls import reverse
from taggit.forms import TagField

from core.forms import Textarea

from .models import RequestStatus
from .services.posting import BODY_MAX, TITLE_MAX

BODY_HELP = "Markdown works: **bold**, `code`, ``` for code blocks, - for lists. Mention people with @handle."


def _writing_area(field: forms.Field, *, slug: str, preview_id: str, rows: int) -> None:
    """A Markdown textarea with a live preview (htmx) and @mention suggestions."""
    field.widget.attrs.update(
        {
            "rows": rows,
            "hx-post": reverse("discussions:preview", args=[slug]),
            "hx-trigger": "input changed delay:500ms",
            "hx-target": f"#{preview_id}",
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
            "data-mentions": reverse("discussions:mention_suggestions", args=[slug]),
            "data-preview": preview_id,
        }
    )


class _SubmittedOnce(forms.Form):
    """A one-time token rendered fresh with each new form and sent back with it.

    The posting services make one post per token, so a double click, a resent
    form or a retried request returns the first post instead of a copy. A
    missing or unreadable token is ignored (the post is then simply made).
    """

    submission_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", str(uuid.uuid4()))

    def clean_submission_key(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.cleaned_data.get("submission_key") or "")
        except ValueError:
            return None


class _EditedFrom(forms.Form):
    """The version of the post the editor started from, so a later save cannot overwrite unseen edits."""

    base_version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if self.errors.pop("base_version", None):
            # A hidden field's error would show nowhere: say it where the person reads.
            self.add_error(
                None,
                "We could not tell which version of the post you started from, so nothing was "
                "saved. Your text is kept: reload the page in another tab to see the current "
                "version, then save again.",
            )
        return cleaned


class HelpRequestForm(_SubmittedOnce):
    title = forms.CharField(
        max_length=TITLE_MAX,
        help_text="One sentence: what are you trying to do, and what goes wrong?",
    )
    body = forms.CharField(
        label="Details", max_length=BODY_MAX, widget=Textarea, help_text=BODY_HELP
    )
    tags = TagField(
        required=False,
        help_text="Up to eight, separated by commas (e.g. python, testing). People with matching expertise are told.",
    )

    def __init__(self, *args, community, with_similar: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_similar:
            self.fields["title"].widget.attrs.update(
                {
                    "autocomplete": "off",
                    "hx-get": reverse("discussions:similar", args=[community.slug]),
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": "#similar-requests",
                    "hx-swap": "innerHTML",
                }
            )
        _writing_area(
            self.fields["body"], slug=community.slug, preview_id="preview-request", rows=10
        )
        self.fields["tags"].widget.attrs.update(
            {"autocomplete": "off", "placeholder": "e.g. python, testing"}
        )

    def clean_tags(self) -> list[str]:
        tags = [t.strip().lower() for t in self.cleaned_data.get("tags") or [] if t.strip()]
        if len(set(tags)) > 8:
            raise forms.ValidationError("Use at most eight tags.")
        return tags


class HelpRequestEditForm(_EditedFrom, HelpRequestForm):
    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, community=community, with_similar=False, **kwargs)
        del self.fields["submission_key"]  # an edit makes no new post


class ReplyForm(_SubmittedOnce):
    body = forms.CharField(
        label="Your reply", max_length=BODY_MAX, widget=Textarea, help_text=BODY_HELP
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, community, form_id: str = "reply", **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = f"id_{form_id}_%s"
        _writing_area(
            self.fields["body"], slug=community.slug, preview_id=f"preview-{form_id}", rows=5
        )


class ReplyEditForm(_EditedFrom):
    body = forms.CharField(
        label="Reply", max_length=BODY_MAX, widget=Textarea, help_text=BODY_HELP
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        _writing_area(self.fields["body"], slug=community.slug, preview_id="preview-edit", rows=8)


class RequestFilterForm(forms.Form):
    label_suffix = ""

    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *RequestStatus.choices], label="Status"
    )
    tag = forms.SlugField(required=False, label="Tag")
    unanswered = forms.BooleanField(required=False, label="Unanswered only")
