from django import forms
from django.urls import reverse
from taggit.forms import TagField

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


class HelpRequestForm(forms.Form):
    title = forms.CharField(
        max_length=TITLE_MAX,
        help_text="One sentence: what are you trying to do, and what goes wrong?",
    )
    body = forms.CharField(
        label="Details", max_length=BODY_MAX, widget=forms.Textarea, help_text=BODY_HELP
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


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply", max_length=BODY_MAX, widget=forms.Textarea, help_text=BODY_HELP
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, community, form_id: str = "reply", **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = f"id_{form_id}_%s"
        _writing_area(
            self.fields["body"], slug=community.slug, preview_id=f"preview-{form_id}", rows=5
        )


class ReplyEditForm(forms.Form):
    body = forms.CharField(
        label="Reply", max_length=BODY_MAX, widget=forms.Textarea, help_text=BODY_HELP
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
