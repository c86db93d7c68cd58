from django.urls import path

from . import views
from .feeds import CommunityFeed, HelpWantedFeed

app_name = "feeds"

urlpatterns = [
    path("c/<slug:slug>/feed.atom", CommunityFeed(), name="community"),
    path("help-wanted/feed.atom", HelpWantedFeed(), name="help_wanted"),
    path("c/<slug:slug>/calendar-link/", views.calendar_link, name="calendar_link"),
    path(
        "calendars/community/<str:token>.ics", views.community_calendar, name="community_calendar"
    ),
]
