from django import forms
from taggit.forms import TagField

from core.forms import Textarea

from .models import Community, JoinPolicy, Role, Visibility


class CommunityForm(forms.ModelForm):
    tags = TagField(required=False, help_text="Topics, separated by commas.")
    meeting_url = forms.URLField(
        label="Default online space",
        required=False,
        assume_scheme="https",
        help_text="A video-call or chat link, if you meet online.",
    )
    escalation_hours = forms.IntegerField(
        label="Escalate unanswered requests after (hours)",
        required=False,
        min_value=1,
        max_value=14 * 24,
        initial=48,
        help_text=(
            "A request nobody has answered after this long goes to more people with matching "
            "expertise, and after twice as long to the moderators. From 1 to 336 hours (two weeks)."
        ),
    )

    class Meta:
        model = Community
        fields = [
            "name",
            "tagline",
            "description",
            "tags",
            "visibility",
            "join_policy",
            "meeting_room",
            "meeting_url",
            "escalation_hours",
        ]
        widgets = {
            "description": Textarea(attrs={"rows": 6}),
            "visibility": forms.RadioSelect,
            "join_policy": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # Proposing a community: moderators tune escalation later, on its settings page.
            del self.fields["escalation_hours"]

    def clean_escalation_hours(self) -> int:
        # Left empty: keep what the community has.
        hours = self.cleaned_data.get("escalation_hours")
        return self.instance.escalation_hours if hours is None else hours

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Community.objects.filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("A community with this name already exists.")
        return name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("visibility") == Visibility.PRIVATE and cleaned.get("join_policy") != JoinPolicy.INVITATION:
            self.add_error(
                "join_policy",
                "A private community is unlisted, so people can only join it by invitation.",
            )
        return cleaned


class DirectoryFilterForm(forms.Form):
    SORTS = [("activity", "Most active"), ("size", "Most members"), ("name", "Name")]

    q = forms.CharField(required=False, label="Search")
    tag = forms.CharField(required=False)
    mine = forms.BooleanField(required=False, label="Only mine")
    archived = forms.BooleanField(required=False, label="Include archived")
    sort = forms.ChoiceField(choices=SORTS, required=False)


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=Textarea(attrs={"rows": 4}),
        label="Message to the moderators",
        help_text="Optional: what you work on and what you hope to learn or share.",
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=Textarea(attrs={"rows": 2}),
        label="Reason",
        help_text="The person sees this, so be kind and say what they could do instead.",
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    message = forms.CharField(
        required=False, max_length=2000, widget=Textarea(attrs={"rows": 3}), label="Personal message"
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
