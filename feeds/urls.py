from django.urls import path

from .feeds import CommunityFeed, HelpWantedFeed

app_name = "feeds"

urlpatterns = [
    path("c/<slug:slug>/feed.atom", CommunityFeed(), name="community"),
    path("help-wanted/feed.atom", HelpWantedFeed(), name="help_wanted"),
]
