"""Site admins' view of help requests. Day-to-day moderation happens in the communities themselves.

Treebeard paths and the denormalised counters are read-only here: writes that must keep them
true go through discussions.services.
"""

from django.contrib import admin

from .models import Flag, Follow, HelpfulVote, HelpRequest, Reply, Revision


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ["created_at", "editor", "title", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "community",
        "author",
        "status",
        "reply_count",
        "is_pinned",
        "is_locked",
        "is_removed",
        "last_activity_at",
    ]
    list_filter = ["status", "is_pinned", "is_locked", "is_removed", "community"]
    search_fields = ["title", "body", "author__email", "author__display_name"]
    list_select_related = ["community", "author"]
    raw_id_fields = ["author", "accepted_reply", "accepted_by", "removed_by"]
    readonly_fields = [
        "reply_count",
        "first_reply_at",
        "last_activity_at",
        "created_at",
        "edited_at",
        "accepted_at",
        "removed_at",
    ]
    date_hierarchy = "created_at"
    inlines = [RevisionInline]


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "help_request",
        "author",
        "depth",
        "helpful_count",
        "is_removed",
        "created_at",
    ]
    list_filter = ["is_removed"]
    search_fields = ["body", "author__email", "author__display_name", "help_request__title"]
    list_select_related = ["help_request", "author"]
    raw_id_fields = ["help_request", "author", "in_reply_to", "removed_by"]
    readonly_fields = [
        "path",
        "depth",
        "numchild",
        "helpful_count",
        "created_at",
        "edited_at",
        "removed_at",
    ]
    fields = [
        "help_request",
        "author",
        "in_reply_to",
        "body",
        "path",
        "depth",
        "numchild",
        "helpful_count",
        "created_at",
        "edited_at",
        "is_removed",
        "removed_by",
        "removed_reason",
        "removed_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # a reply's place in the tree is computed by the service

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a row would orphan the replies below it and leave its ancestors' counts
        # wrong; moderators remove a reply instead (the thread keeps its place and its replies).
        return False


@admin.register(HelpfulVote)
class HelpfulVoteAdmin(admin.ModelAdmin):
    list_display = ["reply", "user", "created_at"]
    raw_id_fields = ["reply", "user"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["help_request", "user", "created_at"]
    raw_id_fields = ["help_request", "user"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "editor", "created_at"]
    raw_id_fields = ["help_request", "reply", "editor"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["__str__", "community", "flagged_by", "status", "created_at"]
    list_filter = ["status", "community"]
    raw_id_fields = ["help_request", "reply", "flagged_by", "resolved_by"]
