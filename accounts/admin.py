from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import OrganisationalUnit, User


@admin.register(OrganisationalUnit)
class OrganisationalUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "unit", "job_title", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "unit"]
    search_fields = ["email", "display_name", "handle", "job_title"]
    list_select_related = ["unit"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "handle", "unit", "job_title", "location", "bio", "expertise", "timezone", "email_notifications")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
