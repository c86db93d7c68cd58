from django.contrib import admin
from django.utils import timezone

from .models import (
    Charter,
    CharterVersion,
    Contribution,
    Endorsement,
    Objective,
    ValueStory,
    VisionRound,
)


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0
    fields = ["position", "title", "indicator", "target_date", "is_retired"]


class CharterVersionInline(admin.TabularInline):
    model = CharterVersion
    extra = 0
    fields = ["number", "author", "created_at", "status", "reviewed_by", "reviewed_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Charter)
class CharterAdmin(admin.ModelAdmin):
    list_display = ["community", "state", "approved_version", "updated_at", "updated_by"]
    list_filter = ["state"]
    search_fields = ["community__name"]
    list_select_related = ["community", "approved_version", "updated_by"]
    # The workflow fields move only through charter.services.drafts (submit, approve, request changes).
    readonly_fields = [
        "community",
        "state",
        "approved_version",
        "draft_revision",
        "updated_at",
        "updated_by",
    ]
    fields = [
        "community",
        "state",
        "approved_version",
        "purpose",
        "vision",
        "strategy",
        "pitch",
        "revisit_by",
        "draft_revision",
        "updated_at",
        "updated_by",
    ]
    inlines = [ObjectiveInline, CharterVersionInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if form.changed_data:
            # An editor with the draft open must not silently overwrite what the admin changed.
            obj.draft_revision += 1
            obj.updated_at = timezone.now()
            obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "charter", "position", "target_date", "is_retired"]
    list_filter = ["is_retired"]
    search_fields = ["title", "charter__community__name"]
    list_select_related = ["charter__community"]
    raw_id_fields = ["charter"]


@admin.register(CharterVersion)
class CharterVersionAdmin(admin.ModelAdmin):
    """Versions are frozen records: read them here, decide on them on the review page."""

    list_display = [
        "charter",
        "number",
        "status",
        "author",
        "created_at",
        "reviewed_by",
        "reviewed_at",
    ]
    list_filter = ["status"]
    search_fields = ["charter__community__name", "note", "review_comment"]
    list_select_related = ["charter__community", "author", "reviewed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Vision rounds and value stories ------------------------------------------------


class ContributionInline(admin.TabularInline):
    model = Contribution
    extra = 0
    fields = ["prompt", "author", "author_role", "text", "endorsement_count", "used_in_draft"]
    readonly_fields = ["author", "author_role", "endorsement_count"]
    show_change_link = True


@admin.register(VisionRound)
class VisionRoundAdmin(admin.ModelAdmin):
    """Open and close rounds on the round pages (they notify and audit); here, correct the record."""

    list_display = ["title", "charter", "opened_by", "opened_at", "closed_at"]
    list_filter = [("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "charter__community__name"]
    list_select_related = ["charter__community", "opened_by"]
    raw_id_fields = ["charter", "opened_by", "closed_by"]
    readonly_fields = ["opened_at", "closed_at"]
    inlines = [ContributionInline]


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "prompt", "author", "author_role", "endorsement_count", "used_in_draft", "vision_round"]
    list_filter = ["prompt", "used_in_draft"]
    search_fields = ["text", "vision_round__title", "author__email"]
    list_select_related = ["author", "vision_round"]
    raw_id_fields = ["vision_round", "author", "used_marked_by"]
    # Kept in step with the Endorsement rows by charter.services.vision.
    readonly_fields = ["endorsement_count"]


@admin.register(Endorsement)
class EndorsementAdmin(admin.ModelAdmin):
    """A record of who agreed with what; endorsements change only on the round page (the count follows)."""

    list_display = ["contribution", "user", "created_at"]
    search_fields = ["user__email", "contribution__text"]
    list_select_related = ["contribution", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ValueStory)
class ValueStoryAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "horizon", "beneficiary", "minutes_saved", "author", "created_at"]
    list_filter = ["horizon", "beneficiary"]
    search_fields = ["title", "what_happened", "who_benefited", "community__name"]
    list_select_related = ["community", "author"]
    raw_id_fields = ["community", "author", "objective"]
    date_hierarchy = "created_at"
