from .views import calendars, occurrences, series

app_name = "meetings"

urlpatterns = [
    # Series: list, schedule, edit, end; reminder settings.
    *series.urlpatterns,
    # One meeting: page, RSVP, move, cancel, agenda, notes, attendance; My meetings.
    *occurrences.urlpatterns,
    # Calendars: .ics per meeting, community feed, personal secret feed.
    *calendars.urlpatterns,
]
