from django import forms

from communities.models import Community

from .services.moderation import REASON_MAX_LENGTH


class FlagForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with this post?",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the community's moderators see your flag and its reason.",
        error_messages={"required": "Say what is wrong, so a moderator knows what to look for."},
    )


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, reason_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.required = reason_required
        if reason_required:
            field.help_text = (
                "Required. The author sees it, and so do the other moderators in the audit log."
            )
            field.error_messages["required"] = (
                "Give a reason; the author and the other moderators see it."
            )
        else:
            field.label = "Reason (optional)"
            field.help_text = "Shown to moderators with the removed post."


class MoveForm(forms.Form):
    to_community = forms.ModelChoiceField(
        label="Move to",
        queryset=Community.objects.none(),
        empty_label="Choose a community",
        help_text="Communities you moderate. Replies, tags and open flags come along; the author is told.",
        error_messages={"invalid_choice": "Choose one of the communities you moderate."},
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_community"].queryset = targets


class ResolveFlagForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("dismiss", "Dismiss"),
            ("remove", "Remove the post"),
            ("resolve", "Mark resolved"),
        ],
        error_messages={"required": "Choose to dismiss the flags or remove the post."},
    )
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False)
