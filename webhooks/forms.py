from django import forms

from .models import Event


class WebhookForm(forms.Form):
    url = forms.URLField(label="Target URL", max_length=500, assume_scheme="https")
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=Event.choices, widget=forms.CheckboxSelectMultiple, initial=list(Event.values)
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
