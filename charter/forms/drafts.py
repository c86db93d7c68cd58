import json

from django import forms
from django.forms import formset_factory

from core.forms import SaneDateField, Textarea, too_long_message

TEXTAREA = {"rows": 6}
# A section of the charter is read in one sitting: as long as the longest post, no longer.
SECTION_MAX = 20_000
OBJECTIVE_TEXT_MAX = 200


class DraftForm(forms.Form):
    """The sections of the working draft. Fields the editor may not write are removed by the view."""

    purpose = forms.CharField(
        required=False,
        max_length=SECTION_MAX,
        error_messages=too_long_message(SECTION_MAX),
        widget=Textarea(attrs=TEXTAREA),
        help_text="Why the community exists and the capability it should build. Markdown.",
    )
    vision = forms.CharField(
        required=False,
        max_length=SECTION_MAX,
        error_messages=too_long_message(SECTION_MAX),
        widget=Textarea(attrs=TEXTAREA),
        help_text="What the community hopes to become, as co-created in the vision rounds. Markdown.",
    )
    strategy = forms.CharField(
        required=False,
        max_length=SECTION_MAX,
        error_messages=too_long_message(SECTION_MAX),
        widget=Textarea(attrs=TEXTAREA),
        help_text="How the community will get there. Markdown.",
    )
    pitch = forms.CharField(
        label="Value proposition",
        required=False,
        max_length=1000,
        error_messages=too_long_message(1000),
        widget=Textarea(attrs={"rows": 3}),
        help_text="A short pitch for people deciding whether to join; shown on the community page.",
    )
    revisit_by = SaneDateField(
        label="Revisit by",
        required=False,
        help_text="When the community should look at its charter again.",
    )
    # What the editor started from: the revision number, and the sections as they were, so a
    # conflicting save can show what the other person changed.
    draft_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    base = forms.CharField(widget=forms.HiddenInput, required=False)

    STEWARD_FIELDS = ("vision", "objectives", "strategy", "pitch", "revisit_by")

    def __init__(self, *args, can_edit_purpose: bool, can_edit_draft: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_edit_purpose:
            del self.fields["purpose"]
        if not can_edit_draft:
            for name in ("vision", "strategy", "pitch", "revisit_by"):
                del self.fields[name]

    def clean_base(self) -> dict:
        try:
            base = json.loads(self.cleaned_data.get("base") or "{}")
        except ValueError:
            return {}
        if not isinstance(base, dict):
            return {}
        # It comes back from the browser: objectives the diff cannot read count as none.
        objectives = base.get("objectives") or []
        if not (isinstance(objectives, list) and all(isinstance(o, dict) for o in objectives)):
            base["objectives"] = []
        return base

    def sections(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("purpose", "vision", "strategy", "pitch", "revisit_by")
            if name in self.fields
        }


class ObjectiveForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(
        max_length=OBJECTIVE_TEXT_MAX,
        required=False,
        error_messages=too_long_message(OBJECTIVE_TEXT_MAX),
    )
    indicator = forms.CharField(
        max_length=OBJECTIVE_TEXT_MAX,
        required=False,
        error_messages=too_long_message(OBJECTIVE_TEXT_MAX),
        help_text="How you will know it is met.",
    )
    target_date = SaneDateField(label="Target date", required=False)

    def clean(self):
        data = super().clean()
        if (data.get("indicator") or data.get("target_date")) and not (
            data.get("title") or ""
        ).strip():
            self.add_error("title", "Give the objective a title, or clear the row.")
        return data


BaseObjectiveFormSet = formset_factory(
    ObjectiveForm, extra=2, can_order=True, can_delete=True, max_num=20
)


class ObjectiveFormSet(BaseObjectiveFormSet):
    def rows(self) -> list[dict]:
        """The objectives in the order the editor gave, without removed or blank rows."""
        rows = []
        for form in self.ordered_forms:
            data = form.cleaned_data
            if not (data.get("title") or "").strip():
                continue
            rows.append(
                {
                    "id": data.get("id"),
                    "title": data["title"],
                    "indicator": data.get("indicator", ""),
                    "target_date": data.get("target_date"),
                }
            )
        return rows


class SubmitForm(forms.Form):
    note = forms.CharField(
        label="What changed (optional)",
        required=False,
        max_length=2000,
        widget=Textarea(attrs={"rows": 3}),
        help_text="A line for the sponsor about what this version changes.",
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve this version"), ("request_changes", "Request changes")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=4000,
        widget=Textarea(attrs={"rows": 4}),
        help_text="Optional when you approve; required when you request changes.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "request_changes" and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say what should change, so the editors know what to do.")
        return data
