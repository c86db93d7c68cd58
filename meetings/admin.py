from django.contrib import admin

from .models import MeetingSeries, Occurrence, ReminderDelivery, Rsvp


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "rrule", "time_zone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["title", "community__name"]
    raw_id_fields = ["organiser"]


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ["series", "starts_at", "status", "going_count", "waitlist_count"]
    list_filter = ["status"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["series", "community", "threads"]


@admin.register(Rsvp)
class RsvpAdmin(admin.ModelAdmin):
    list_display = ["occurrence", "user", "response", "waitlisted", "responded_at"]
    raw_id_fields = ["occurrence", "user"]


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    list_display = ["occurrence", "user", "minutes_before", "claimed_at", "sent_at", "attempts", "skipped"]
    raw_id_fields = ["occurrence", "user"]
