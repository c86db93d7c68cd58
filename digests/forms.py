from django import forms

from accounts.models import DigestFrequency


def hour_label(hour: int) -> str:
    return f"{hour:02d}:00"


class EmailPreferencesForm(forms.Form):
    """Every kind of email in one form; `memberships` are the person's active ones (community loaded)."""

    digest_frequency = forms.ChoiceField(
        label="Email digest",
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        help_text="A summary of what happened in your communities. Skipped when there is nothing new.",
    )
    digest_hour = forms.TypedChoiceField(
        label="Send my digest at",
        coerce=int,
        choices=[(hour, hour_label(hour)) for hour in range(24)],
        widget=forms.Select(attrs={"aria-describedby": "digest-hour-help"}),
    )
    meeting_reminders = forms.BooleanField(
        label="Email me reminders before meetings I said I'd go to (or might)", required=False
    )
    email_notifications = forms.BooleanField(
        label="Email me a copy of each notification", required=False
    )
    muted = forms.TypedMultipleChoiceField(
        label="Leave out of my digest",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, memberships, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "digest_frequency": user.digest_frequency,
                "digest_hour": user.digest_hour,
                "meeting_reminders": user.meeting_reminders,
                "email_notifications": user.email_notifications,
                "muted": [m.community_id for m in memberships if m.digest_muted],
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["muted"].choices = [(m.community_id, m.community.name) for m in memberships]
