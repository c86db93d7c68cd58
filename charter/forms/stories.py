"""Forms for value stories. Validation of state lives in the services."""

from django import forms
from django.utils.html import format_html

from core.forms import Textarea, too_long_message

from ..models import Beneficiary, Horizon, Objective
from ..selectors.stories import CELL_EXPLANATIONS
from ..services.stories import MAX_MINUTES_SAVED

# As long as a post may be.
STORY_TEXT_MAX = 20_000


CELL_CHOICES = [
    (
        f"{horizon.value}:{beneficiary.value}",
        format_html(
            "<span><strong>{} value for {}</strong><span class='help'>{}</span></span>",
            horizon.label,
            beneficiary.label.lower(),
            CELL_EXPLANATIONS[(horizon, beneficiary)],
        ),
    )
    for beneficiary in (Beneficiary.MEMBERS, Beneficiary.ORGANISATION)
    for horizon in Horizon
]


class ValueStoryForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="One line, like a headline.")
    what_happened = forms.CharField(
        label="What happened",
        max_length=STORY_TEXT_MAX,
        error_messages=too_long_message(STORY_TEXT_MAX),
        widget=Textarea(attrs={"rows": 6}),
        help_text="Markdown. The situation, what the community did, and the outcome.",
    )
    who_benefited = forms.CharField(
        label="Who benefited", max_length=300, help_text="A person, a team, a ward, a unit…"
    )
    cell = forms.ChoiceField(
        label="Which kind of value is it?",
        choices=CELL_CHOICES,
        widget=forms.RadioSelect,
    )
    objective = forms.ModelChoiceField(
        queryset=Objective.objects.none(),
        required=False,
        empty_label="Not linked to an objective",
        help_text="Optional: the charter objective this story supports.",
    )
    minutes_saved = forms.IntegerField(
        label="Time saved (minutes)",
        required=False,
        min_value=0,
        max_value=MAX_MINUTES_SAVED,
        help_text="Optional: a rough estimate is fine.",
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = Objective.objects.filter(
            charter__community=community, is_retired=False
        )
        if not self.fields["objective"].queryset.exists():
            del self.fields["objective"]

    def story_fields(self) -> dict:
        data = dict(self.cleaned_data)
        horizon, beneficiary = data.pop("cell").split(":")
        data.update(horizon=horizon, beneficiary=beneficiary)
        data.setdefault("objective", None)
        return data


class StoryFilterForm(forms.Form):
    horizon = forms.ChoiceField(choices=[("", "Any horizon"), *Horizon.choices], required=False)
    beneficiary = forms.ChoiceField(choices=[("", "Anyone"), *Beneficiary.choices], required=False,
                                    label="Benefiting")
    objective = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, objectives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].choices = [("", "Any objective")] + [
            (o.pk, o.title + (" (retired)" if o.is_retired else "")) for o in objectives
        ]
