from django import forms
from django.urls import reverse

from core.forms import Textarea

from .models import OrganisationalUnit, User, time_zone_choices


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(label="Time zone", choices=time_zone_choices)

    class Meta:
        model = User
        fields = [
            "display_name",
            "handle",
            "unit",
            "job_title",
            "location",
            "bio",
            "expertise",
            "timezone",
        ]
        labels = {"display_name": "Name shown to others", "handle": "Handle for @mentions"}
        widgets = {
            "bio": Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        self.fields["unit"].empty_label = "Choose your unit"
        self.fields["handle"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["handle"].help_text += " Leave empty to make one from your name."
        # Suggest existing expertise tags while typing (htmx); plain typing works without it.
        self.fields["expertise"].widget.attrs.update(
            {
                "autocomplete": "off",
                "placeholder": "e.g. kubernetes, wound care, python",
                "hx-get": reverse("accounts:expertise_suggestions"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#expertise-suggestions",
            }
        )


    def clean_handle(self) -> str:
        return self.cleaned_data["handle"].strip().lstrip("@").lower()


class PeopleFilterForm(forms.Form):
    label_suffix = ""

    q = forms.CharField(required=False, label="Name or job title")
    unit = forms.ModelChoiceField(
        queryset=OrganisationalUnit.objects.all(), required=False, empty_label="All units"
    )
    expertise = forms.CharField(required=False, label="Expertise")
