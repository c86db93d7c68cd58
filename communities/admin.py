from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import services
from .models import AuditEvent, Community, CommunityStatus, Invitation, JoinRequest, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "is_active", "joined_at", "left_at"]
    readonly_fields = ["joined_at", "left_at"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "visibility", "join_policy", "is_archived", "created_at"]
    list_filter = ["status", "visibility", "join_policy", "is_archived"]
    search_fields = ["name", "tagline"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    actions = ["approve", "decline"]

    @admin.action(description="Approve the selected proposed communities")
    def approve(self, request, queryset):
        for community in queryset.filter(status__in=[CommunityStatus.PROPOSED, CommunityStatus.DECLINED]):
            try:
                services.community_approve(community=community, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{community}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{community} is approved.", messages.SUCCESS)

    @admin.action(description="Decline the selected proposed communities")
    def decline(self, request, queryset):
        for community in queryset.filter(status=CommunityStatus.PROPOSED):
            services.community_decline(community=community, by=request.user)
            self.message_user(request, f"{community} is declined.", messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "is_active", "joined_at"]
    list_filter = ["role", "is_active", "community"]
    raw_id_fields = ["user", "community"]
    list_select_related = ["user", "community"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    raw_id_fields = ["user", "community", "decided_by"]
    list_select_related = ["user", "community", "decided_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "community", "status", "expires_at", "invited_by"]
    list_filter = ["status"]
    raw_id_fields = ["community", "invited_by", "accepted_by"]
    list_select_related = ["community", "invited_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "community", "actor", "action", "subject"]
    list_filter = ["action"]
    list_select_related = ["community", "actor", "subject"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
