"""Forms for vision rounds. Validation of state lives in the services."""

from django import forms

from core.forms import Textarea

from ..models import Prompt
from ..services.vision import MAX_CONTRIBUTION_LENGTH


class OpenRoundForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        help_text="A question that invites people in, e.g. “Where should we be in two years?”",
    )
    introduction = forms.CharField(
        required=False,
        max_length=4000,
        widget=Textarea(attrs={"rows": 4}),
        help_text="Optional (Markdown): why now, and what happens with the ideas.",
    )


class ContributionForm(forms.Form):
    prompt = forms.ChoiceField(choices=Prompt.choices, widget=forms.HiddenInput)
    text = forms.CharField(
        label="Your idea",
        max_length=MAX_CONTRIBUTION_LENGTH,
        widget=Textarea(attrs={"rows": 3}),
        help_text=f"A few sentences, at most {MAX_CONTRIBUTION_LENGTH} characters.",
    )


class CloseRoundForm(forms.Form):
    summary = forms.CharField(
        required=False,
        max_length=4000,
        widget=Textarea(attrs={"rows": 3}),
        help_text="Optional: what the round led to, for the record.",
    )
